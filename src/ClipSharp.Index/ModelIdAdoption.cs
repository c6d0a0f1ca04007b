namespace ClipSharp.Index;

/// <summary>An index that recorded its model under a former id now records the model's content id; no vector was re-embedded.</summary>
/// <param name="FormerModelId">The id the index recorded (e.g. <c>openclip@9c4b…</c>, from a release before content ids).</param>
/// <param name="ModelId">The id it records now (<c>content:…</c>).</param>
public sealed record ModelIdAdoption(string FormerModelId, string ModelId)
{
    /// <summary>The notice for a user, in one line.</summary>
    public string Message => $"the index recorded its model as {FormerModelId} (the id of an older ClipSharp); it now records the same model by its content, {ModelId}, and keeps every vector";
}
