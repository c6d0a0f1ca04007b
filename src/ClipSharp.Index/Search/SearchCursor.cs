using System.Buffers.Text;
using System.Globalization;
using System.Text;

namespace ClipSharp.Index;

/// <summary>
/// Where a page of search results ended: the sort key and id of its last result (a keyset position, so results
/// added or removed meanwhile neither repeat nor skip others) and how many results came before (only a hint for
/// how many hits to fetch). Sent to clients as an opaque base64url token.
/// </summary>
/// <param name="Sort">The order the position belongs to.</param>
/// <param name="Key">The last result's sort key: its score's bits (relevance) or its date's ticks.</param>
/// <param name="Id">The last result's id (ties of the key are ordered by id).</param>
/// <param name="Seen">Results on the pages up to this one.</param>
internal sealed record SearchCursor(PhotoSort Sort, long Key, long Id, int Seen)
{
    private const string Version = "c1";

    /// <summary>The token form.</summary>
    public string Encode()
    {
        string text = string.Create(CultureInfo.InvariantCulture, $"{Version}.{(int)Sort}.{Key}.{Id}.{Seen}");
        return Base64Url.EncodeToString(Encoding.ASCII.GetBytes(text));
    }

    /// <summary>Reads a token made by <see cref="Encode"/>; null when it is not one.</summary>
    public static SearchCursor? TryParse(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        if (token.Length is 0 or > 200)
        {
            return null;
        }

        byte[] bytes;
        try
        {
            bytes = Base64Url.DecodeFromChars(token);
        }
        catch (FormatException)
        {
            return null;
        }

        string[] parts = Encoding.ASCII.GetString(bytes).Split('.');
        const NumberStyles Integer = NumberStyles.AllowLeadingSign;
        var culture = CultureInfo.InvariantCulture;
        return parts.Length == 5 && parts[0] == Version
            && int.TryParse(parts[1], NumberStyles.None, culture, out int sort) && Enum.IsDefined((PhotoSort)sort)
            && long.TryParse(parts[2], Integer, culture, out long key)
            && long.TryParse(parts[3], Integer, culture, out long id)
            && int.TryParse(parts[4], NumberStyles.None, culture, out int seen)
            ? new SearchCursor((PhotoSort)sort, key, id, seen)
            : null;
    }
}
