using System.Collections.Frozen;
using System.Text;

namespace ClipSharp.Text;

/// <summary>
/// HTML character-reference decoding that matches Python exactly: <see cref="PythonUnescape"/> is
/// <c>html.unescape</c> (the full HTML5 table, names valid without ';' such as "&amp;amp", longest-prefix
/// match, the numeric replacement table), and <see cref="FtfyUnescape"/> is ftfy's stricter
/// <c>unescape_html</c> (only ';'-terminated references, plus upper-cased names such as "&amp;EACUTE;").
/// </summary>
internal static partial class HtmlData
{
    private const int MaxNameLength = 32;

    private static readonly Lazy<Tables> s_tables = new(Build);

    /// <summary>Python's <c>html.unescape(s)</c>.</summary>
    internal static string PythonUnescape(string s)
    {
        int amp = s.IndexOf('&', StringComparison.Ordinal);
        if (amp < 0)
        {
            return s;
        }

        Tables t = s_tables.Value;
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, amp);
        int i = amp;
        while (i < s.Length)
        {
            if (s[i] != '&')
            {
                sb.Append(s[i]);
                i++;
                continue;
            }

            int consumed = TryCharref(t, s, i, sb);
            if (consumed == 0)
            {
                sb.Append('&');
                i++;
            }
            else
            {
                i += consumed;
            }
        }

        return sb.ToString();
    }

    /// <summary>Matches Python's charref pattern at <paramref name="at"/> ('&amp;'); appends the replacement, returns chars consumed (0: no match).</summary>
    private static int TryCharref(Tables t, string s, int at, StringBuilder sb)
    {
        int j = at + 1;
        if (j >= s.Length)
        {
            return 0;
        }

        if (s[j] == '#')
        {
            int k = j + 1;
            bool hex = k < s.Length && (s[k] == 'x' || s[k] == 'X') && k + 1 < s.Length && IsHex(s[k + 1]);
            if (hex)
            {
                k++;
            }
            else if (!(k < s.Length && IsDigit(s[k])))
            {
                return 0;
            }

            long value = 0;
            while (k < s.Length && (hex ? IsHex(s[k]) : IsDigit(s[k])))
            {
                int dv = HexValue(s[k]);
                value = Math.Min((value * (hex ? 16 : 10)) + dv, 0x7FFFFFFFL);
                k++;
            }

            if (k < s.Length && s[k] == ';')
            {
                k++;
            }

            AppendNumeric(t, value, sb);
            return k - at;
        }

        // Named: [^\t\n\f <&#;]{1,32};? (counted in code points).
        int e = j;
        int count = 0;
        while (e < s.Length && count < MaxNameLength)
        {
            char c = s[e];
            if (c is '\t' or '\n' or '\f' or ' ' or '<' or '&' or '#' or ';')
            {
                break;
            }

            e += char.IsHighSurrogate(c) && e + 1 < s.Length && char.IsLowSurrogate(s[e + 1]) ? 2 : 1;
            count++;
        }

        if (count == 0)
        {
            return 0;
        }

        if (e < s.Length && s[e] == ';')
        {
            e++;
        }

        ReadOnlySpan<char> name = s.AsSpan(j, e - j);
        var lookup = t.Html5.GetAlternateLookup<ReadOnlySpan<char>>();
        if (lookup.TryGetValue(name, out string? value2))
        {
            sb.Append(value2);
            return e - at;
        }

        for (int x = name.Length - 1; x > 1; x--)
        {
            if (lookup.TryGetValue(name[..x], out string? prefixValue))
            {
                sb.Append(prefixValue).Append(name[x..]);
                return e - at;
            }
        }

        sb.Append('&').Append(name);
        return e - at;
    }

    private static void AppendNumeric(Tables t, long num, StringBuilder sb)
    {
        if (num <= int.MaxValue && t.InvalidCharrefs.TryGetValue((int)num, out string? repl))
        {
            sb.Append(repl);
        }
        else if ((num >= 0xD800 && num <= 0xDFFF) || num > 0x10FFFF)
        {
            sb.Append('\uFFFD');
        }
        else if (t.InvalidCodepoints.Contains((int)num))
        {
            // dropped
        }
        else
        {
            sb.Append(new Rune((int)num).ToString());
        }
    }

    /// <summary>ftfy's <c>unescape_html</c>: <c>&amp;#?[0-9A-Za-z]{1,24};</c> references only.</summary>
    internal static string FtfyUnescape(string s)
    {
        int amp = s.IndexOf('&', StringComparison.Ordinal);
        if (amp < 0)
        {
            return s;
        }

        Tables t = s_tables.Value;
        var lookup = t.Ftfy.GetAlternateLookup<ReadOnlySpan<char>>();
        var sb = new StringBuilder(s.Length);
        sb.Append(s, 0, amp);
        int i = amp;
        while (i < s.Length)
        {
            if (s[i] != '&')
            {
                sb.Append(s[i]);
                i++;
                continue;
            }

            int k = i + 1;
            bool numeric = k < s.Length && s[k] == '#';
            if (numeric)
            {
                k++;
            }

            int start = k;
            while (k < s.Length && k - start < 24 && char.IsAsciiLetterOrDigit(s[k]))
            {
                k++;
            }

            if (k == start || k >= s.Length || s[k] != ';')
            {
                sb.Append('&');
                i++;
                continue;
            }

            ReadOnlySpan<char> entity = s.AsSpan(i, k + 1 - i);
            if (lookup.TryGetValue(entity, out string? value))
            {
                sb.Append(value);
            }
            else if (numeric)
            {
                string decoded = PythonUnescape(entity.ToString());
                sb.Append(decoded.Contains(';', StringComparison.Ordinal) ? entity : decoded);
            }
            else
            {
                sb.Append(entity);
            }

            i = k + 1;
        }

        return sb.ToString();
    }

    private static bool IsDigit(char c) => (uint)(c - '0') <= 9;

    private static bool IsHex(char c) => char.IsAsciiHexDigit(c);

    private static int HexValue(char c) => c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;

    private static Tables Build()
    {
        var html5 = new Dictionary<string, string>(Html5Names.Length, StringComparer.Ordinal);
        var ftfy = new Dictionary<string, string>(Html5Names.Length + UpperNames.Length, StringComparer.Ordinal);
        for (int i = 0; i < Html5Names.Length; i++)
        {
            html5[Html5Names[i]] = Html5Values[i];
            if (Html5Names[i].EndsWith(';'))
            {
                ftfy["&" + Html5Names[i]] = Html5Values[i];
            }
        }

        for (int i = 0; i < UpperNames.Length; i++)
        {
            ftfy["&" + UpperNames[i]] = UpperValues[i];
        }

        var invalid = new Dictionary<int, string>();
        for (int i = 0; i < InvalidCharrefKeys.Length; i++)
        {
            invalid[InvalidCharrefKeys[i]] = InvalidCharrefValues[i];
        }

        return new Tables(
            html5.ToFrozenDictionary(StringComparer.Ordinal),
            ftfy.ToFrozenDictionary(StringComparer.Ordinal),
            invalid.ToFrozenDictionary(),
            InvalidCodepoints.ToFrozenSet());
    }

    private sealed record Tables(
        FrozenDictionary<string, string> Html5,
        FrozenDictionary<string, string> Ftfy,
        FrozenDictionary<int, string> InvalidCharrefs,
        FrozenSet<int> InvalidCodepoints);
}
