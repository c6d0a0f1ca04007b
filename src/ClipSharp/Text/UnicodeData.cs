using System.Collections.Frozen;
using System.Text;

namespace ClipSharp.Text;

/// <summary>
/// Character properties and string transforms that must match CPython 3.11 (Unicode 14) and the
/// <c>regex</c> module exactly: the generated tables come from tools/gen_tokenizer_tables.py.
/// .NET's own Unicode data is a newer version, and in globalization-invariant mode
/// <see cref="string.Normalize()"/> does nothing, so none of it is used here.
/// </summary>
internal static partial class UnicodeData
{
    private const int SBase = 0xAC00, LBase = 0x1100, VBase = 0x1161, TBase = 0x11A7;
    private const int LCount = 19, VCount = 21, TCount = 28, NCount = VCount * TCount, SCount = LCount * NCount;

    private static readonly Lazy<NfcTables> s_nfc = new(BuildNfc);
    private static readonly Lazy<FrozenDictionary<int, string>> s_lower = new(BuildLower);
    private static readonly Lazy<FrozenDictionary<int, string>> s_width = new(BuildWidth);

    /// <summary>True when <paramref name="cp"/> lies in one of the inclusive [start, end] pairs.</summary>
    internal static bool InRanges(int[] ranges, int cp)
    {
        int lo = 0, hi = (ranges.Length / 2) - 1;
        while (lo <= hi)
        {
            int mid = (lo + hi) >> 1;
            if (cp < ranges[2 * mid])
            {
                hi = mid - 1;
            }
            else if (cp > ranges[(2 * mid) + 1])
            {
                lo = mid + 1;
            }
            else
            {
                return true;
            }
        }

        return false;
    }

    /// <summary><c>\p{L}</c> of the regex module.</summary>
    internal static bool IsLetter(int cp) => cp < 0x80 ? (uint)((cp | 0x20) - 'a') <= 'z' - 'a' : InRanges(LetterRanges, cp);

    /// <summary><c>\p{N}</c> of the regex module.</summary>
    internal static bool IsNumber(int cp) => cp < 0x80 ? (uint)(cp - '0') <= 9 : InRanges(NumberRanges, cp);

    /// <summary><c>\s</c> of the regex module (Unicode White_Space).</summary>
    internal static bool IsRegexSpace(int cp) => InRanges(RegexSpaceRanges, cp);

    /// <summary>Python's <c>str.isspace()</c>.</summary>
    internal static bool IsPythonSpace(int cp) => InRanges(PySpaceRanges, cp);

    /// <summary>Python's <c>str.strip()</c> with no argument.</summary>
    internal static string PythonStrip(string s)
    {
        int start = 0, end = s.Length;
        while (start < end && IsPythonSpace(s[start]))
        {
            start++;
        }

        while (end > start && IsPythonSpace(s[end - 1]))
        {
            end--;
        }

        return start == 0 && end == s.Length ? s : s[start..end];
    }

    /// <summary>
    /// Python's <c>str.lower()</c>: full lowercase mapping (e.g. U+0130 → "i\u0307") and the
    /// Final_Sigma rule for U+03A3, with CPython's own case-ignorable and cased sets.
    /// </summary>
    internal static string PythonLower(string s)
    {
        bool ascii = true;
        bool anyUpper = false;
        foreach (char c in s)
        {
            if (c >= 0x80)
            {
                ascii = false;
                break;
            }

            anyUpper |= (uint)(c - 'A') <= 'Z' - 'A';
        }

        if (ascii)
        {
            return anyUpper ? string.Create(s.Length, s, static (dst, src) =>
            {
                for (int i = 0; i < src.Length; i++)
                {
                    char c = src[i];
                    dst[i] = (uint)(c - 'A') <= 'Z' - 'A' ? (char)(c | 0x20) : c;
                }
            }) : s;
        }

        FrozenDictionary<int, string> map = s_lower.Value;
        var sb = new StringBuilder(s.Length + 8);
        for (int i = 0; i < s.Length;)
        {
            int cp = CodePointAt(s, i, out int len);
            if (cp == 0x3A3)
            {
                sb.Append(IsFinalSigma(s, i, len) ? 'ς' : 'σ');
            }
            else if (map.TryGetValue(cp, out string? lower))
            {
                sb.Append(lower);
            }
            else
            {
                sb.Append(s, i, len);
            }

            i += len;
        }

        return sb.ToString();
    }

    private static bool IsFinalSigma(string s, int index, int len)
    {
        // Preceded by a cased letter (skipping case-ignorables) ...
        int j = index;
        int c = -1;
        while (j > 0)
        {
            int prevLen = j >= 2 && char.IsLowSurrogate(s[j - 1]) && char.IsHighSurrogate(s[j - 2]) ? 2 : 1;
            j -= prevLen;
            c = CodePointAt(s, j, out _);
            if (!InRanges(CaseIgnorableRanges, c))
            {
                break;
            }

            c = -1;
        }

        if (c < 0 || !InRanges(CasedRanges, c))
        {
            return false;
        }

        // ... and not followed by one.
        for (int k = index + len; k < s.Length;)
        {
            int d = CodePointAt(s, k, out int dl);
            if (!InRanges(CaseIgnorableRanges, d))
            {
                return !InRanges(CasedRanges, d);
            }

            k += dl;
        }

        return true;
    }

    /// <summary>The code point at <paramref name="i"/>; a lone surrogate is returned as itself.</summary>
    internal static int CodePointAt(string s, int i, out int length)
    {
        char c = s[i];
        if (char.IsHighSurrogate(c) && i + 1 < s.Length && char.IsLowSurrogate(s[i + 1]))
        {
            length = 2;
            return char.ConvertToUtf32(c, s[i + 1]);
        }

        length = 1;
        return c;
    }

    /// <summary>ftfy's <c>fix_character_width</c> map (U+3000 and the U+FF01..U+FFEF block).</summary>
    internal static bool TryGetWidthReplacement(int cp, out string? replacement)
    {
        if (cp == 0x3000 || (cp >= 0xFF01 && cp <= 0xFFEF))
        {
            return s_width.Value.TryGetValue(cp, out replacement);
        }

        replacement = null;
        return false;
    }

    /// <summary>Unicode NFC with CPython 3.11's data (Unicode 14).</summary>
    internal static string Nfc(string s) => Normalize(s, compose: true, compatibility: false);

    /// <summary>
    /// Unicode normalization with CPython 3.11's data (Unicode 14): NFC (compose), NFD, NFKC (compose,
    /// compatibility) or NFKD (compatibility). Works in globalization-invariant mode, where
    /// <see cref="string.Normalize()"/> does not.
    /// </summary>
    internal static string Normalize(string s, bool compose, bool compatibility)
    {
        // Below these code points every character is its own normal form.
        int unchangedBelow = compatibility ? 0xA0 : compose ? 0x300 : 0xC0;
        int i = 0;
        while (i < s.Length && s[i] < unchangedBelow)
        {
            i++;
        }

        if (i == s.Length)
        {
            return s;
        }

        NfcTables t = s_nfc.Value;
        var cps = new List<int>(s.Length + 4);
        for (int k = 0; k < s.Length;)
        {
            int cp = CodePointAt(s, k, out int len);
            Decompose(t, cp, compatibility, cps);
            k += len;
        }

        // Canonical ordering: stable insertion sort of each run of non-starters.
        for (int k = 1; k < cps.Count; k++)
        {
            int cc = t.Ccc(cps[k]);
            if (cc == 0)
            {
                continue;
            }

            int m = k;
            while (m > 0 && t.Ccc(cps[m - 1]) > cc)
            {
                (cps[m - 1], cps[m]) = (cps[m], cps[m - 1]);
                m--;
            }
        }

        List<int> outCps = compose ? Compose(t, cps) : cps;
        var sb = new StringBuilder(outCps.Count + 4);
        foreach (int cp in outCps)
        {
            if (cp >= 0xD800 && cp <= 0xDFFF)
            {
                sb.Append((char)cp);
            }
            else
            {
                sb.Append(new Rune(cp).ToString());
            }
        }

        return sb.ToString();
    }

    /// <summary>Canonical composition of a canonically ordered decomposition.</summary>
    private static List<int> Compose(NfcTables t, List<int> cps)
    {
        var outCps = new List<int>(cps.Count);
        int starter = -1;
        int lastCc = 0;
        foreach (int cp in cps)
        {
            int cc = t.Ccc(cp);
            if (starter >= 0)
            {
                bool adjacent = outCps.Count - 1 == starter;
                bool blocked = !adjacent && (lastCc == 0 || lastCc >= cc);
                if (!blocked && t.TryCompose(outCps[starter], cp, out int composite))
                {
                    outCps[starter] = composite;
                    continue;
                }
            }

            if (cc == 0)
            {
                starter = outCps.Count;
            }

            lastCc = cc;
            outCps.Add(cp);
        }

        return outCps;
    }

    private static void Decompose(NfcTables t, int cp, bool compatibility, List<int> output)
    {
        if (cp >= SBase && cp < SBase + SCount)
        {
            int sIndex = cp - SBase;
            output.Add(LBase + (sIndex / NCount));
            output.Add(VBase + (sIndex % NCount / TCount));
            int tIndex = sIndex % TCount;
            if (tIndex != 0)
            {
                output.Add(TBase + tIndex);
            }

            return;
        }

        if (t.Decomposition.TryGetValue(cp, out (int First, int Second) d))
        {
            Decompose(t, d.First, compatibility, output);
            if (d.Second >= 0)
            {
                Decompose(t, d.Second, compatibility, output);
            }

            return;
        }

        if (compatibility && t.Compatibility.TryGetValue(cp, out string? k))
        {
            for (int i = 0; i < k.Length;)
            {
                Decompose(t, CodePointAt(k, i, out int len), compatibility, output);
                i += len;
            }

            return;
        }

        output.Add(cp);
    }

    private static NfcTables BuildNfc()
    {
        var ccc = new Dictionary<int, int>(CombiningClasses.Length / 2);
        for (int i = 0; i < CombiningClasses.Length; i += 2)
        {
            ccc[CombiningClasses[i]] = CombiningClasses[i + 1];
        }

        var dec = new Dictionary<int, (int, int)>(DecompositionKeys.Length);
        for (int i = 0; i < DecompositionKeys.Length; i++)
        {
            dec[DecompositionKeys[i]] = (DecompositionFirst[i], DecompositionSecond[i]);
        }

        var comp = new Dictionary<long, int>(Compositions.Length / 3);
        for (int i = 0; i < Compositions.Length; i += 3)
        {
            comp[((long)Compositions[i] << 21) | (uint)Compositions[i + 1]] = Compositions[i + 2];
        }

        var compat = new Dictionary<int, string>(CompatibilityKeys.Length);
        for (int i = 0; i < CompatibilityKeys.Length; i++)
        {
            compat[CompatibilityKeys[i]] = CompatibilityValues[i];
        }

        return new NfcTables(ccc.ToFrozenDictionary(), dec.ToFrozenDictionary(), comp.ToFrozenDictionary(), compat.ToFrozenDictionary());
    }

    private static FrozenDictionary<int, string> BuildLower()
    {
        var d = new Dictionary<int, string>(LowerKeys.Length);
        for (int i = 0; i < LowerKeys.Length; i++)
        {
            d[LowerKeys[i]] = LowerValues[i];
        }

        return d.ToFrozenDictionary();
    }

    private static FrozenDictionary<int, string> BuildWidth()
    {
        var d = new Dictionary<int, string>(WidthKeys.Length);
        for (int i = 0; i < WidthKeys.Length; i++)
        {
            d[WidthKeys[i]] = WidthValues[i];
        }

        return d.ToFrozenDictionary();
    }

    private sealed class NfcTables(
        FrozenDictionary<int, int> ccc,
        FrozenDictionary<int, (int First, int Second)> decomposition,
        FrozenDictionary<long, int> compositions,
        FrozenDictionary<int, string> compatibility)
    {
        public FrozenDictionary<int, (int First, int Second)> Decomposition { get; } = decomposition;

        public FrozenDictionary<int, string> Compatibility { get; } = compatibility;

        public int Ccc(int cp) => cp < 0x300 ? 0 : ccc.GetValueOrDefault(cp);

        public bool TryCompose(int first, int second, out int composite)
        {
            if (first >= LBase && first < LBase + LCount && second >= VBase && second < VBase + VCount)
            {
                composite = SBase + (((first - LBase) * VCount) + (second - VBase)) * TCount;
                return true;
            }

            if (first >= SBase && first < SBase + SCount && (first - SBase) % TCount == 0
                && second > TBase && second < TBase + TCount)
            {
                composite = first + (second - TBase);
                return true;
            }

            return compositions.TryGetValue(((long)first << 21) | (uint)second, out composite);
        }
    }
}
