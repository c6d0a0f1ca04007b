namespace ClipSharp.Text.PreTokenizers;

/// <summary>
/// One piece of a text on its way to the model. <paramref name="AtOrigin"/> is true for the piece that starts at
/// offset 0 of the original text (Metaspace's "first" prepend scheme adds its space to that piece only).
/// </summary>
internal readonly record struct PreToken(string Text, bool AtOrigin);
