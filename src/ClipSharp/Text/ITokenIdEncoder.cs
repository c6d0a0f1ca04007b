namespace ClipSharp.Text;

/// <summary>The part of a tokenizer before post-processing: a text to its ids (no special tokens framing them).</summary>
internal interface ITokenIdEncoder
{
    /// <summary>Ids of <paramref name="text"/>; <paramref name="parseSpecial"/> false leaves special tokens' text to the model.</summary>
    List<int> Encode(string text, bool parseSpecial);

    int VocabularySize { get; }

    int? TokenToId(string token);

    string? IdToToken(int id);
}
