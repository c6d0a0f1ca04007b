namespace ClipSharp.Text.PreTokenizers;

/// <summary>
/// <c>Metaspace</c>: spaces become the replacement character (▁), which is prepended to the piece as
/// <c>prepend_scheme</c> says (always; first = only the piece at the start of the text; never), then, with
/// <c>split</c>, the piece is cut before each replacement character.
/// </summary>
internal sealed class MetaspacePreTokenizer(char replacement, MetaspacePreTokenizer.Prepend prepend, bool split) : PreTokenizerStep
{
    internal enum Prepend
    {
        Always,
        First,
        Never,
    }

    public static MetaspacePreTokenizer FromNode(TokenizerJsonNode node)
    {
        string replacement = node.OptionalString("replacement") ?? "\u2581";
        if (replacement.Length != 1)
        {
            throw node.Error("replacement must be one BMP character");
        }

        // Files written before prepend_scheme existed say add_prefix_space instead.
        Prepend scheme = node.OptionalString("prepend_scheme") switch
        {
            null => node.Bool("add_prefix_space", true) ? Prepend.Always : Prepend.Never,
            "always" => Prepend.Always,
            "first" => Prepend.First,
            "never" => Prepend.Never,
            string other => throw node.Error($"unsupported prepend_scheme \"{other}\""),
        };
        return new MetaspacePreTokenizer(replacement[0], scheme, node.Bool("split", true));
    }

    public override void Split(PreToken piece, List<PreToken> output)
    {
        string text = piece.Text.Replace(' ', replacement);
        bool add = prepend switch
        {
            Prepend.Always => true,
            Prepend.First => piece.AtOrigin,
            _ => false,
        };
        if (add && !text.StartsWith(replacement))
        {
            text = replacement + text;
        }

        var replaced = piece with { Text = text };
        if (split)
        {
            Splitter.Split(replaced, r => r.Value == replacement, SplitBehavior.MergedWithNext, output);
        }
        else if (text.Length > 0)
        {
            output.Add(replaced);
        }
    }
}
