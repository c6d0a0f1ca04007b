using System.Collections.Frozen;
using System.Text;
using System.Text.RegularExpressions;

namespace ClipSharp.Text;

/// <summary>
/// A port of the parts of ftfy 6.3 <c>fix_text</c> (default configuration) that OpenAI's CLIP cleaning
/// relies on. Covered, in ftfy's order and with ftfy's fix-until-stable loop per line:
/// <list type="bullet">
/// <item><c>unescape_html</c> (only while no '&lt;' has been seen in the text so far),</item>
/// <item><c>fix_encoding</c>: mojibake detection with ftfy's badness heuristic, re-decoding through
/// latin-1, sloppy windows-1252/1251/1250/1253/1254/1257, iso-8859-2, MacRoman and cp437 as UTF-8
/// (with the utf-8-variants CESU-8 / C0 80 forms), <c>restore_byte_a0</c>, <c>replace_lossy_sequences</c>,
/// <c>decode_inconsistent_utf8</c>, the latin-1 → windows-1252 fallback and <c>fix_c1_controls</c>,</item>
/// <item><c>fix_c1_controls</c>, <c>fix_latin_ligatures</c>, <c>fix_character_width</c>, <c>uncurl_quotes</c>,
/// <c>fix_line_breaks</c>, <c>fix_surrogates</c>, <c>remove_terminal_escapes</c>, <c>remove_control_chars</c>,
/// and final NFC.</item>
/// </list>
/// Not covered: ftfy's explanations and its non-default options.
/// </summary>
internal static class Ftfy
{
    private const int MaxDecodeLength = 1_000_000;

    // ---- badness.py categories (as .NET character-class fragments) ----
    private const string Common = @"\u00A0\u00AD\u00B7\u00B4\u2013\u2014\u2015\u2026\u2019";
    private const string C1 = @"\u0080-\u009F";
    private const string Bad = @"\u00A6\u00A4\u00A8\u00AC\u00AF\u00B8\u0192\u02C6\u02C7\u02D8\u02DB\u02DC\u2020\u2021\u2030\u2310\u25CA\uFFFD\u00AA\u00BA";
    private const string Law = @"\u00B6\u00A7";
    private const string Currency = @"\u00A2\u00A3\u00A5\u20A7\u20AC";
    private const string StartPunct = @"\u00A1\u00AB\u00BF\u00A9\u0384\u0385\u2018\u201A\u201C\u201E\u2022\u2039\uF8FF";
    private const string EndPunct = @"\u00AE\u00BB\u02DD\u201D\u203A\u2122";
    private const string Numeric = @"\u00B2\u00B3\u00B9\u00B1\u00BC\u00BD\u00BE\u00D7\u00B5\u00F7\u2044\u2202\u2206\u220F\u2211\u221A\u221E\u2229\u222B\u2248\u2260\u2261\u2264\u2265\u2116";
    private const string Kaomoji = @"\u00D2-\u00D6\u00D9-\u00DC\u00F2-\u00F6\u00F8-\u00FC\u0150\u014C\u016A\u0172\u00B0";
    private const string UpperAccented = @"\u00C0-\u00D1\u00D8\u00DC\u00DD\u0102\u0100\u0104\u0106\u010C\u010E\u0110\u0118\u011A\u0112\u0116\u011E\u0122\u0130\u012A\u0136\u0139\u013D\u0141\u013B\u0143\u0147\u0145\u0152\u0158\u015A\u015E\u0160\u0162\u0164\u016E\u0170\u0178\u0179\u017B\u017D\u0490";
    private const string LowerAccented = @"\u00DF\u00E0-\u00F1\u0103\u0105\u0101\u0107\u010D\u010F\u0111\u0119\u011B\u0113\u0117\u011F\u0123\u012F\u012B\u0137\u013A\u013E\u0142\u013C\u0153\u0155\u015B\u015F\u0161\u0165\u00FC\u017A\u017C\u017E\u0491\uFB01\uFB02";
    private const string UpperCommon = @"\u00DE\u0391-\u03A9\u0386\u0388\u0389\u038A\u038C\u038E\u038F\u03AA\u03AB\u0401-\u042F";
    private const string LowerCommon = @"\u03B1-\u03C9\u03AC\u03AD\u03AE\u03AF\u03B0\u0430-\u045F";
    private const string Box = @"\u2502\u250C\u2510\u2518\u251C\u2524\u252C\u253C\u2550-\u256C\u2580\u2584\u2588\u258C\u2590\u2591\u2592\u2593";

    // Python's \s and \w for str patterns (str.isspace(), str.isalnum() or '_').
    private const string PySpace = @"[\t\n\v\f\r\u001C-\u001F\u0020\u0085\u00A0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]";
    private const string PyWord = @"[\p{L}\p{N}_]";

    private static readonly Lazy<Regex> s_badness = new(BuildBadness);
    private static readonly Lazy<Regex> s_utf8Detector = new(BuildUtf8Detector);
    private static readonly Lazy<Codec[]> s_codecs = new(BuildCodecs);

    // Byte patterns run over "byte strings" (one char per byte, U+0000..U+00FF).
    private static readonly Regex s_alteredUtf8 = new(
        @"[\xC2\xC3\xC5\xCE\xD0\xD9] |[\xE2\xE3] [\x80-\x84\x86-\x9F\xA1-\xBF]|[\xE0-\xE3][\x80-\x84\x86-\x9F\xA1-\xBF] |\xF0 [\x80-\xBF][\x80-\xBF]|\xF0[\x80-\xBF] [\x80-\xBF]|\xF0[\x80-\xBF][\x80-\xBF] ",
        RegexOptions.CultureInvariant);

    private static readonly Regex s_aGraveWord = new(@"\xC3 (?! |quele|quela|quilo|s )", RegexOptions.CultureInvariant);

    private static readonly Regex s_lossyUtf8 = new(
        @"[\xC2-\xDF]\x1A|[\xC2\xC3]\?|\xED[\xA0-\xAF][\x1A?]\xED[\xB0-\xBF][\x1A?\x80-\xBF]|\xED[\xA0-\xAF][\x1A?\x80-\xBF]\xED[\xB0-\xBF][\x1A?]|[\xE0-\xEF][\x1A?][\x1A\x80-\xBF]|[\xE0-\xEF][\x1A\x80-\xBF][\x1A?]|[\xF0-\xF4][\x1A?][\x1A\x80-\xBF][\x1A\x80-\xBF]|[\xF0-\xF4][\x1A\x80-\xBF][\x1A?][\x1A\x80-\xBF]|[\xF0-\xF4][\x1A\x80-\xBF][\x1A\x80-\xBF][\x1A?]|\x1A",
        RegexOptions.CultureInvariant);

    private static readonly Regex s_terminalEscape = new(@"\u001B\[[\p{Nd};]*[a-zA-Z]", RegexOptions.CultureInvariant);

    private static readonly FrozenDictionary<char, string> s_ligatures = new Dictionary<char, string>
    {
        ['\u0132'] = "IJ", ['\u0133'] = "ij", ['\u0149'] = "\u02BCn",
        ['\u01F1'] = "DZ", ['\u01F2'] = "Dz", ['\u01F3'] = "dz",
        ['\u01C4'] = "D\u017D", ['\u01C5'] = "D\u017E", ['\u01C6'] = "d\u017E",
        ['\u01C7'] = "LJ", ['\u01C8'] = "Lj", ['\u01C9'] = "lj",
        ['\u01CA'] = "NJ", ['\u01CB'] = "Nj", ['\u01CC'] = "nj",
        ['\uFB00'] = "ff", ['\uFB01'] = "fi", ['\uFB02'] = "fl", ['\uFB03'] = "ffi", ['\uFB04'] = "ffl",
        ['\uFB05'] = "\u017Ft", ['\uFB06'] = "st",
    }.ToFrozenDictionary();

    /// <summary>ftfy <c>fix_text(text)</c> with the default configuration.</summary>
    internal static string FixText(string text)
    {
        if (IsPlainAscii(text))
        {
            return text;
        }

        bool unescapeHtml = true;
        var sb = new StringBuilder(text.Length);
        int pos = 0;
        while (pos < text.Length)
        {
            int nl = text.IndexOf('\n', pos);
            int end = nl < 0 ? text.Length : nl + 1;
            if (end - pos > MaxDecodeLength)
            {
                end = pos + MaxDecodeLength;
                if (char.IsHighSurrogate(text[end - 1]))
                {
                    end++;
                }
            }

            string segment = text[pos..end];
            if (unescapeHtml && segment.Contains('<', StringComparison.Ordinal))
            {
                unescapeHtml = false;
            }

            sb.Append(FixSegment(segment, unescapeHtml));
            pos = end;
        }

        return sb.ToString();
    }

    /// <summary>
    /// True for text that ftfy leaves as it is without looking further: printable ASCII, tab, LF and
    /// space only, with no '&amp;' (entities) and no ESC.
    /// </summary>
    private static bool IsPlainAscii(string text)
    {
        foreach (char c in text)
        {
            if (c >= 0x7F || (c < 0x20 && c != '\n' && c != '\t') || c == '&')
            {
                return false;
            }
        }

        return true;
    }

    private static string FixSegment(string text, bool unescapeHtml)
    {
        while (true)
        {
            string orig = text;
            if (unescapeHtml)
            {
                text = HtmlData.FtfyUnescape(text);
            }

            text = FixEncoding(text);
            text = FixC1Controls(text);
            text = FixLatinLigatures(text);
            text = FixCharacterWidth(text);
            text = UncurlQuotes(text);
            text = FixLineBreaks(text);
            text = FixSurrogates(text);
            text = s_terminalEscape.Replace(text, string.Empty);
            text = RemoveControlChars(text);
            text = UnicodeData.Nfc(text);
            if (string.Equals(text, orig, StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    /// <summary>ftfy <c>fix_encoding</c>: repeat one mojibake-fixing step until nothing changes.</summary>
    internal static string FixEncoding(string text)
    {
        while (true)
        {
            string prev = text;
            text = FixEncodingOneStep(text);
            if (string.Equals(text, prev, StringComparison.Ordinal))
            {
                return text;
            }
        }
    }

    private static string FixEncodingOneStep(string text)
    {
        if (text.Length == 0 || Ascii.IsValid(text) || !IsBad(text))
        {
            return text;
        }

        bool latin1Possible = false;
        foreach (Codec codec in s_codecs.Value)
        {
            if (!codec.TryEncode(text, out byte[]? bytes))
            {
                continue;
            }

            latin1Possible |= codec.Name == "latin-1";
            if (codec.Name != "macroman")
            {
                string asChars = BytesToChars(bytes);
                if (s_alteredUtf8.IsMatch(asChars))
                {
                    asChars = s_aGraveWord.Replace(asChars, "\u00C3\u00A0 ");
                    asChars = s_alteredUtf8.Replace(asChars, static m => m.Value.Replace(' ', '\u00A0'));
                    bytes = CharsToBytes(asChars);
                }
            }

            if (codec.Sloppy)
            {
                string asChars = BytesToChars(bytes);
                if (s_lossyUtf8.IsMatch(asChars))
                {
                    bytes = CharsToBytes(s_lossyUtf8.Replace(asChars, "\u00EF\u00BF\u00BD"));
                }
            }

            bool variants = Array.IndexOf(bytes, (byte)0xED) >= 0 || Array.IndexOf(bytes, (byte)0xC0) >= 0;
            if (PythonUtf8.TryDecode(bytes, variants, out string? fixedText))
            {
                return fixedText;
            }
        }

        if (s_utf8Detector.Value.IsMatch(text))
        {
            string fixedText = DecodeInconsistentUtf8(text);
            if (!string.Equals(fixedText, text, StringComparison.Ordinal))
            {
                return fixedText;
            }
        }

        if (latin1Possible)
        {
            // ftfy's list holds "sloppy-windows-1252", never "windows-1252", so it always tries the
            // strict latin-1 -> windows-1252 reinterpretation here.
            if (TryStrictWindows1252(text, out string? w))
            {
                if (!string.Equals(w, text, StringComparison.Ordinal))
                {
                    return w;
                }
            }
        }

        return HasC1(text) ? FixC1Controls(text) : text;
    }

    private static string DecodeInconsistentUtf8(string text)
        => s_utf8Detector.Value.Replace(text, m =>
            m.Length < text.Length && IsBad(m.Value) ? FixEncoding(m.Value) : m.Value);

    /// <summary>ftfy's <c>is_bad</c>: does the text contain a likely mojibake sequence?</summary>
    internal static bool IsBad(string text) => s_badness.Value.IsMatch(text);

    private static bool HasC1(string text)
    {
        foreach (char c in text)
        {
            if (c >= 0x80 && c <= 0x9F)
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>ftfy <c>fix_c1_controls</c>: C1 controls read as sloppy windows-1252.</summary>
    private static string FixC1Controls(string text)
    {
        if (!HasC1(text))
        {
            return text;
        }

        string table = s_codecs.Value[1].Table;
        return string.Create(text.Length, (text, table), static (dst, st) =>
        {
            for (int i = 0; i < st.text.Length; i++)
            {
                char c = st.text[i];
                dst[i] = c >= 0x80 && c <= 0x9F ? st.table[c - 0x80] : c;
            }
        });
    }

    private static bool TryStrictWindows1252(string text, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? result)
    {
        string table = s_codecs.Value[1].Table;
        var chars = new char[text.Length];
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (c > 0xFF)
            {
                result = null;
                return false;
            }

            if (c >= 0x80 && c <= 0x9F)
            {
                char mapped = table[c - 0x80];
                if (mapped == c)
                {
                    // one of the five bytes windows-1252 leaves undefined
                    result = null;
                    return false;
                }

                chars[i] = mapped;
            }
            else
            {
                chars[i] = c;
            }
        }

        result = new string(chars);
        return true;
    }

    private static string FixLatinLigatures(string text)
    {
        int i = 0;
        while (i < text.Length && !s_ligatures.ContainsKey(text[i]))
        {
            i++;
        }

        if (i == text.Length)
        {
            return text;
        }

        var sb = new StringBuilder(text.Length + 8);
        sb.Append(text, 0, i);
        for (; i < text.Length; i++)
        {
            if (s_ligatures.TryGetValue(text[i], out string? rep))
            {
                sb.Append(rep);
            }
            else
            {
                sb.Append(text[i]);
            }
        }

        return sb.ToString();
    }

    private static string FixCharacterWidth(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (UnicodeData.TryGetWidthReplacement(c, out string? rep))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
                sb.Append(rep);
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    private static string UncurlQuotes(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            char r = c is '\u02BC' or (>= '\u2018' and <= '\u201B') ? '\'' : c is >= '\u201C' and <= '\u201F' ? '"' : c;
            if (r != c)
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
            }

            sb?.Append(r);
        }

        return sb?.ToString() ?? text;
    }

    private static string FixLineBreaks(string text)
    {
        if (text.AsSpan().IndexOfAny("\r\u2028\u2029\u0085") < 0)
        {
            return text;
        }

        return text.Replace("\r\n", "\n", StringComparison.Ordinal)
            .Replace('\r', '\n')
            .Replace('\u2028', '\n')
            .Replace('\u2029', '\n')
            .Replace('\u0085', '\n');
    }

    private static string FixSurrogates(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (char.IsHighSurrogate(c) && i + 1 < text.Length && char.IsLowSurrogate(text[i + 1]))
            {
                sb?.Append(c).Append(text[i + 1]);
                i++;
                continue;
            }

            if (char.IsSurrogate(c))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
                sb.Append('\uFFFD');
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    /// <summary>ftfy <c>remove_control_chars</c>.</summary>
    private static bool IsRemovedControl(char c)
        => c < 0x09 || c == 0x0B || (c >= 0x0E && c < 0x20) || c == 0x7F
           || (c >= 0x206A && c <= 0x206F) || c == 0xFEFF || (c >= 0xFFF9 && c <= 0xFFFC);

    private static string RemoveControlChars(string text)
    {
        StringBuilder? sb = null;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (IsRemovedControl(c))
            {
                sb ??= new StringBuilder(text.Length).Append(text, 0, i);
            }
            else
            {
                sb?.Append(c);
            }
        }

        return sb?.ToString() ?? text;
    }

    private static string BytesToChars(byte[] bytes) => string.Create(bytes.Length, bytes, static (dst, b) =>
    {
        for (int i = 0; i < b.Length; i++)
        {
            dst[i] = (char)b[i];
        }
    });

    private static byte[] CharsToBytes(string s)
    {
        var b = new byte[s.Length];
        for (int i = 0; i < s.Length; i++)
        {
            b[i] = (byte)s[i];
        }

        return b;
    }

    private static string Escape(string chars)
    {
        var sb = new StringBuilder(chars.Length * 6);
        foreach (char c in chars)
        {
            sb.Append(@"\u").Append(((int)c).ToString("X4", System.Globalization.CultureInfo.InvariantCulture));
        }

        return sb.ToString();
    }

    private static Regex BuildBadness()
    {
        string pattern = string.Join('|',
            $"[{C1}]",
            $"[{Bad}{LowerAccented}{UpperAccented}{Box}{StartPunct}{EndPunct}{Currency}{Numeric}{Law}][{Bad}]",
            $"[a-zA-Z][{LowerCommon}{UpperCommon}][{Bad}]",
            $"[{Bad}][{LowerAccented}{UpperAccented}{Box}{StartPunct}{EndPunct}{Currency}{Numeric}{Law}]",
            $"[{LowerAccented}{LowerCommon}{Box}{EndPunct}{Currency}{Numeric}][{UpperAccented}]",
            $"[{Box}{EndPunct}{Currency}{Numeric}][{LowerAccented}]",
            $"[{LowerAccented}{Box}{EndPunct}][{Currency}]",
            $"{PySpace}[{UpperAccented}][{Currency}]",
            $"[{UpperAccented}{Box}][{Numeric}{Law}]",
            $"[{LowerAccented}{UpperAccented}{Box}{Currency}{EndPunct}][{StartPunct}][{Numeric}]",
            $"[{LowerAccented}{UpperAccented}{Currency}{Numeric}{Box}{Law}][{EndPunct}][{StartPunct}]",
            $"[{Currency}{Numeric}{Box}][{StartPunct}]",
            $"[a-z][{UpperAccented}][{StartPunct}{Currency}]",
            $"[{Box}][{Kaomoji}]",
            $"[{LowerAccented}{UpperAccented}{Currency}{Numeric}{StartPunct}{EndPunct}{Law}][{Box}]",
            $"[{Box}][{EndPunct}]",
            $"[{LowerAccented}{UpperAccented}][{StartPunct}{EndPunct}]{PyWord}",
            @"[\u0152\u0153][^A-Za-z]",
            $@"[{UpperAccented}]\u00B0",
            $@"[\u00C2\u00C3\u00CE\u00D0][\u20AC\u0153\u0160\u0161\u00A2\u00A3\u0178\u017E\u00A0\u00AD\u00AE\u00A9\u00B0\u00B7\u00BB{StartPunct}{EndPunct}\u2013\u2014\u00B4]",
            @"\u00D7[\u00B2\u00B3]",
            $@"[\u00D8\u00D9][{Common}{Currency}{Bad}{Numeric}{StartPunct}\u0178\u0160\u00AE\u00B0\u00B5\u00BB][\u00D8\u00D9][{Common}{Currency}{Bad}{Numeric}{StartPunct}\u0178\u0160\u00AE\u00B0\u00B5\u00BB]",
            @"\u00E0[\u00B2\u00B5\u00B9\u00BC\u00BD\u00BE]",
            @"\u221A[\u00B1\u2202\u2020\u2260\u00AE\u2122\u00B4\u2264\u2265\u00A5\u00B5\u00F8]",
            @"\u2248[\u00B0\u00A2]",
            @"\u201A\u00C4[\u00EC\u00EE\u00EF\u00F2\u00F4\u00FA\u00F9\u00FB\u2020\u00B0\u00A2\u03C0]",
            @"\u201A[\u00E2\u00F3][\u00E0\u00E4\u00B0\u00EA]",
            @"\u0432\u0402",
            $@"[\u0412\u0413\u0420\u0421][{C1}{Bad}{StartPunct}{EndPunct}{Currency}\u00B0\u00B5][\u0412\u0413\u0420\u0421]",
            @"\u0413\u045E\u0412\u0402\u0412.[A-Za-z ]",
            @"\u00C3[\u00A0\u00A1]",
            $@"[a-z]{PySpace}?[\u00C3\u00C2] ",
            @"^[\u00C3\u00C2] ",
            $@"[a-z.,?!{EndPunct}]\u00C2[ {StartPunct}{EndPunct}]",
            @"\u03B2\u20AC[\u2122\u00A0\u0386\u00AD\u00AE\u00B0]",
            $@"[\u0392\u0393\u039E\u039F][{C1}{Bad}{StartPunct}{EndPunct}{Currency}\u00B0][\u0392\u0393\u039E\u039F]",
            @"\u0101\u20AC");
        return new Regex(pattern, RegexOptions.CultureInvariant);
    }

    private static Regex BuildUtf8Detector()
    {
        string strict = Escape(CodePageData.Utf8ContinuationStrict[0]);
        string cont = Escape(CodePageData.Utf8Continuation[0]);
        string f2 = Escape(CodePageData.Utf8FirstOf2[0]);
        string f3 = Escape(CodePageData.Utf8FirstOf3[0]);
        string f4 = Escape(CodePageData.Utf8FirstOf4[0]);
        string pattern = $"(?<![{strict}])(?:[{f2}][{cont}]|[{f3}][{cont}]{{2}}|[{f4}][{cont}]{{3}})+";
        return new Regex(pattern, RegexOptions.CultureInvariant);
    }

    private static Codec[] BuildCodecs()
    {
        var codecs = new Codec[CodePageData.Names.Length];
        for (int i = 0; i < codecs.Length; i++)
        {
            codecs[i] = new Codec(CodePageData.Names[i], CodePageData.Tables[i]);
        }

        return codecs;
    }

    /// <summary>One of ftfy's single-byte encodings (sloppy ones map undefined bytes to C1 and U+FFFD to 0x1A).</summary>
    private sealed class Codec
    {
        private readonly FrozenDictionary<char, byte> _encode;

        public Codec(string name, string table)
        {
            Name = name;
            Table = table;
            Sloppy = name.StartsWith("sloppy", StringComparison.Ordinal);
            var map = new Dictionary<char, byte>(129);
            for (int b = 0x80; b <= 0xFF; b++)
            {
                map.TryAdd(table[b - 0x80], (byte)b);
            }

            map.TryAdd(table[128], 0x1A);
            _encode = map.ToFrozenDictionary();
        }

        public string Name { get; }

        /// <summary>Chars of bytes 0x80..0xFF, then the char of byte 0x1A.</summary>
        public string Table { get; }

        public bool Sloppy { get; }

        public bool TryEncode(string text, out byte[] bytes)
        {
            bytes = new byte[text.Length];
            for (int i = 0; i < text.Length; i++)
            {
                char c = text[i];
                if (c < 0x80 && c != 0x1A)
                {
                    bytes[i] = (byte)c;
                }
                else if (_encode.TryGetValue(c, out byte b))
                {
                    bytes[i] = b;
                }
                else
                {
                    return false;
                }
            }

            return true;
        }
    }
}
