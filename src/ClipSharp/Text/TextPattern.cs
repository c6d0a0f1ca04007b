using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace ClipSharp.Text;

/// <summary>
/// The <c>pattern</c> of a Split pre-tokenizer or a Replace normalizer: a literal string or an Oniguruma regex
/// (the engine of the Rust <c>tokenizers</c> library), matched on code points.
/// </summary>
/// <remarks>
/// .NET's regex engine works on UTF-16 code units, so a character outside the BMP would be two surrogates to it and
/// <c>\p{L}</c> would not see a letter. Texts with such characters are matched through a proxy string in which each
/// of them is one BMP character of the same general category (categories are all these patterns test); match
/// positions are mapped back. Oniguruma syntax is translated where .NET differs: <c>\w</c>/<c>\W</c> follow Unicode's
/// word definition (Alphabetic, marks, decimal digits, connector punctuation, joiners), <c>\h</c> is a hex digit,
/// <c>^</c>/<c>$</c> are line anchors. <c>\s</c> and <c>\d</c> already mean White_Space and Nd in .NET.
/// Constructs .NET lacks (possessive quantifiers, script properties) are refused when the file is loaded.
/// </remarks>
internal sealed class TextPattern
{
    private const string WordChars = @"\p{L}\p{Nl}\p{M}\p{Nd}\p{Pc}\u200C\u200D\u24B6-\u24E9";
    private static readonly TimeSpan s_timeout = TimeSpan.FromSeconds(30);

    private readonly string? _literal;
    private readonly Regex? _regex;

    private TextPattern(string? literal, Regex? regex)
    {
        _literal = literal;
        _regex = regex;
    }

    public static TextPattern Literal(string text) => new(text, null);

    /// <exception cref="ArgumentException">The pattern does not translate or compile.</exception>
    public static TextPattern Oniguruma(string pattern)
        => new(null, new Regex(Translate(pattern), RegexOptions.CultureInvariant | RegexOptions.Multiline, s_timeout));

    /// <summary>Non-overlapping matches, left to right, as (start, end) char offsets (empty matches included, as Rust reports them).</summary>
    public List<(int Start, int End)> Matches(string text)
    {
        var result = new List<(int, int)>();
        if (_literal is not null)
        {
            if (_literal.Length == 0)
            {
                return result;
            }

            int i = 0;
            while ((i = text.IndexOf(_literal, i, StringComparison.Ordinal)) >= 0)
            {
                result.Add((i, i + _literal.Length));
                i += _literal.Length;
            }

            return result;
        }

        try
        {
            if (!HasSurrogates(text))
            {
                for (Match m = _regex!.Match(text); m.Success; m = m.NextMatch())
                {
                    result.Add((m.Index, m.Index + m.Length));
                }

                return result;
            }

            (string proxy, int[] offsets) = Proxy(text);
            for (Match m = _regex!.Match(proxy); m.Success; m = m.NextMatch())
            {
                result.Add((offsets[m.Index], offsets[m.Index + m.Length]));
            }

            return result;
        }
        catch (RegexMatchTimeoutException e)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"the tokenizer's pattern {_regex!} took longer than {s_timeout.TotalSeconds} s on a {text.Length}-character text", null, e);
        }
    }

    /// <summary>Every match replaced by <paramref name="content"/>.</summary>
    public string Replace(string text, string content)
    {
        List<(int Start, int End)> matches = Matches(text);
        if (matches.Count == 0)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length);
        int prev = 0;
        foreach ((int start, int end) in matches)
        {
            sb.Append(text, prev, start - prev).Append(content);
            prev = end;
        }

        return sb.Append(text, prev, text.Length - prev).ToString();
    }

    private static bool HasSurrogates(string text)
    {
        foreach (char c in text)
        {
            if (char.IsSurrogate(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The text with each supplementary character replaced by a BMP stand-in of its category; offsets[i] is the original offset of proxy char i (and of the end).</summary>
    private static (string Proxy, int[] Offsets) Proxy(string text)
    {
        var sb = new StringBuilder(text.Length);
        var offsets = new List<int>(text.Length + 1);
        for (int i = 0; i < text.Length;)
        {
            offsets.Add(i);
            if (char.IsHighSurrogate(text[i]) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb.Append(StandIn(CharUnicodeInfo.GetUnicodeCategory(char.ConvertToUtf32(text[i], text[i + 1]))));
                i += 2;
            }
            else
            {
                sb.Append(char.IsSurrogate(text[i]) ? '\uFFFD' : text[i]);
                i++;
            }
        }

        offsets.Add(text.Length);
        return (sb.ToString(), offsets.ToArray());
    }

    /// <summary>A BMP character of the category, chosen among characters no tokenizer pattern names literally.</summary>
    private static char StandIn(UnicodeCategory category) => category switch
    {
        UnicodeCategory.UppercaseLetter => '\u0181',
        UnicodeCategory.LowercaseLetter => '\u0180',
        UnicodeCategory.TitlecaseLetter => '\u01C5',
        UnicodeCategory.ModifierLetter => '\u02B0',
        UnicodeCategory.OtherLetter => '\u01BB',
        UnicodeCategory.NonSpacingMark => '\u0300',
        UnicodeCategory.SpacingCombiningMark => '\u0903',
        UnicodeCategory.EnclosingMark => '\u0488',
        UnicodeCategory.DecimalDigitNumber => '\u0966',
        UnicodeCategory.LetterNumber => '\u2160',
        UnicodeCategory.OtherNumber => '\u2460',
        UnicodeCategory.SpaceSeparator => '\u2000',
        UnicodeCategory.LineSeparator => '\u2028',
        UnicodeCategory.ParagraphSeparator => '\u2029',
        UnicodeCategory.Control => '\u0080',
        UnicodeCategory.Format => '\u2061',
        UnicodeCategory.PrivateUse => '\uE000',
        UnicodeCategory.ConnectorPunctuation => '\u203F',
        UnicodeCategory.DashPunctuation => '\u2010',
        UnicodeCategory.OpenPunctuation => '\u2045',
        UnicodeCategory.ClosePunctuation => '\u2046',
        UnicodeCategory.InitialQuotePunctuation => '\u2039',
        UnicodeCategory.FinalQuotePunctuation => '\u203A',
        UnicodeCategory.OtherPunctuation => '\u2030',
        UnicodeCategory.MathSymbol => '\u2200',
        UnicodeCategory.CurrencySymbol => '\u20A0',
        UnicodeCategory.ModifierSymbol => '\u02C2',
        UnicodeCategory.OtherSymbol => '\u2600',
        _ => '\u0378', // unassigned
    };

    /// <summary>Oniguruma (Ruby syntax, as the tokenizers library compiles it) to .NET.</summary>
    internal static string Translate(string pattern)
    {
        var sb = new StringBuilder(pattern.Length + 16);
        int depth = 0; // inside a character class
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                char e = pattern[i + 1];
                i++;
                switch (e)
                {
                    case 'w':
                        sb.Append(depth > 0 ? WordChars : $"[{WordChars}]");
                        break;
                    case 'W':
                        sb.Append(depth > 0 ? throw new ArgumentException(@"\W inside a character class") : $"[^{WordChars}]");
                        break;
                    case 'h':
                        sb.Append(depth > 0 ? "0-9A-Fa-f" : "[0-9A-Fa-f]");
                        break;
                    case 'H':
                        sb.Append(depth > 0 ? throw new ArgumentException(@"\H inside a character class") : "[^0-9A-Fa-f]");
                        break;
                    case 'A':
                        sb.Append(@"\A");
                        break;
                    case 'z':
                        sb.Append(@"\z");
                        break;
                    case 'p' or 'P' when i + 1 < pattern.Length && pattern[i + 1] == '{':
                        int close = pattern.IndexOf('}', i + 1);
                        if (close < 0)
                        {
                            throw new ArgumentException("unterminated \\p{…}");
                        }

                        string name = pattern[(i + 2)..close];
                        sb.Append('\\').Append(e).Append('{').Append(PropertyName(name)).Append('}');
                        i = close;
                        break;
                    default:
                        sb.Append('\\').Append(e);
                        break;
                }

                continue;
            }

            if (c == '[')
            {
                if (depth > 0 && i + 1 < pattern.Length && pattern[i + 1] == ':')
                {
                    throw new ArgumentException("POSIX bracket classes are not supported");
                }

                depth++;
            }
            else if (c == ']' && depth > 0)
            {
                depth--;
            }
            else if (depth == 0 && (c is '+' or '*' or '?' or '}') && i + 1 < pattern.Length && pattern[i + 1] == '+')
            {
                throw new ArgumentException("possessive or stacked quantifiers (X++, X*+, X?+, X{n}+) are not supported");
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string PropertyName(string name) => name switch
    {
        "L" or "Lu" or "Ll" or "Lt" or "Lm" or "Lo" or "M" or "Mn" or "Mc" or "Me" or "N" or "Nd" or "Nl" or "No"
            or "P" or "Pc" or "Pd" or "Ps" or "Pe" or "Pi" or "Pf" or "Po" or "S" or "Sm" or "Sc" or "Sk" or "So"
            or "Z" or "Zs" or "Zl" or "Zp" or "C" or "Cc" or "Cf" or "Cs" or "Co" or "Cn" => name,
        _ => throw new ArgumentException($"Unicode property \\p{{{name}}} is not supported (general categories only)"),
    };
}
