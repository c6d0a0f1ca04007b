using System.Text.Json;

namespace ClipSharp.Text;

/// <summary>Tells tokenizer file formats apart by name and first bytes.</summary>
internal static class TokenizerFiles
{
    /// <summary>
    /// Whether a JSON file is a Hugging Face <c>tokenizer.json</c> rather than a <c>vocab.json</c>: named so, or a
    /// JSON object whose first value is not a number (a vocab.json maps tokens to numbers; a tokenizer file starts
    /// with <c>"version": "1.0"</c> or another non-number). Only the start of the file is read.
    /// </summary>
    public static bool LooksLikeTokenizerJson(string path)
    {
        if (string.Equals(Path.GetFileName(path), "tokenizer.json", StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        try
        {
            byte[] head = new byte[4096];
            int n;
            using (FileStream fs = File.OpenRead(path))
            {
                n = fs.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            }

            var reader = new Utf8JsonReader(head.AsSpan(0, n), isFinalBlock: false, state: default);
            return reader.Read() && reader.TokenType == JsonTokenType.StartObject
                && reader.Read() && reader.TokenType == JsonTokenType.PropertyName
                && reader.Read() && reader.TokenType != JsonTokenType.Number;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or JsonException)
        {
            return false;
        }
    }
}
