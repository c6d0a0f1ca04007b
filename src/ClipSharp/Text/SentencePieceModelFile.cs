using Microsoft.ML.Tokenizers;

namespace ClipSharp.Text;

/// <summary>
/// A SentencePiece <c>.model</c> file (BPE or Unigram, with its normalization rules), encoded by
/// Microsoft.ML.Tokenizers' <see cref="SentencePieceTokenizer"/>, which the tests hold to the ids of Google's
/// sentencepiece. The ids are those of <c>sp.encode(text)</c>: no beginning- or end-of-sentence ids are added
/// (a <c>.model</c> does not say whether its model wants them).
/// </summary>
internal sealed class SentencePieceModelFile : ITokenIdEncoder
{
    private readonly SentencePieceTokenizer _tokenizer;

    private SentencePieceModelFile(SentencePieceTokenizer tokenizer) => _tokenizer = tokenizer;

    public int VocabularySize => _tokenizer.Vocabulary.Count;

    /// <exception cref="ClipSharpException">The file is not a SentencePiece model this library reads.</exception>
    public static SentencePieceModelFile Load(string path)
    {
        try
        {
            using FileStream stream = File.OpenRead(path);
            return new SentencePieceModelFile(SentencePieceTokenizer.Create(stream, addBeginningOfSentence: false, addEndOfSentence: false));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"cannot read: {e.Message}", path, e);
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The protobuf reader inside the library throws its own exception types on a corrupt file.
            throw new ClipSharpException(ClipErrorKind.InvalidTokenizer, $"not a SentencePiece model: {e.Message}", path, e);
        }
    }

    public List<int> Encode(string text, bool parseSpecial)
        => [.. _tokenizer.EncodeToIds(text, addBeginningOfSentence: false, addEndOfSentence: false, considerPreTokenization: false, considerNormalization: true)];

    public int? TokenToId(string token) => _tokenizer.Vocabulary.TryGetValue(token, out int id) ? id : null;

    public string? IdToToken(int id)
    {
        string? token = _tokenizer.Decode([id], considerSpecialTokens: true);
        return token;
    }
}
