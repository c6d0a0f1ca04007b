using System.Text;

namespace ClipSharp.Text;

/// <summary>
/// Strict UTF-8 decoding as Python's <c>bytes.decode("utf-8")</c> does it (no overlongs, no surrogates,
/// nothing above U+10FFFF), optionally with ftfy's "utf-8-variants" extensions: CESU-8 surrogate pairs
/// and the Java-style C0 80 for U+0000.
/// </summary>
internal static class PythonUtf8
{
    internal static bool TryDecode(ReadOnlySpan<byte> bytes, bool variants, out string result)
    {
        var sb = new StringBuilder(bytes.Length);
        int i = 0;
        while (i < bytes.Length)
        {
            byte b = bytes[i];
            if (b < 0x80)
            {
                sb.Append((char)b);
                i++;
                continue;
            }

            if (variants)
            {
                if (b == 0xC0 && i + 1 < bytes.Length && bytes[i + 1] == 0x80)
                {
                    sb.Append('\0');
                    i += 2;
                    continue;
                }

                if (b == 0xED && i + 5 < bytes.Length
                    && bytes[i + 1] is >= 0xA0 and <= 0xAF && IsCont(bytes[i + 2])
                    && bytes[i + 3] == 0xED && bytes[i + 4] is >= 0xB0 and <= 0xBF && IsCont(bytes[i + 5]))
                {
                    int hi = 0xD000 | ((bytes[i + 1] & 0x3F) << 6) | (bytes[i + 2] & 0x3F);
                    int lo = 0xD000 | ((bytes[i + 4] & 0x3F) << 6) | (bytes[i + 5] & 0x3F);
                    sb.Append((char)hi).Append((char)lo);
                    i += 6;
                    continue;
                }
            }

            int need;
            int cp;
            int min;
            if (b >= 0xC2 && b <= 0xDF)
            {
                need = 1;
                cp = b & 0x1F;
                min = 0x80;
            }
            else if (b >= 0xE0 && b <= 0xEF)
            {
                need = 2;
                cp = b & 0x0F;
                min = 0x800;
            }
            else if (b >= 0xF0 && b <= 0xF4)
            {
                need = 3;
                cp = b & 0x07;
                min = 0x10000;
            }
            else
            {
                result = string.Empty;
                return false;
            }

            if (i + need >= bytes.Length)
            {
                result = string.Empty;
                return false;
            }

            for (int k = 1; k <= need; k++)
            {
                byte c = bytes[i + k];
                if (!IsCont(c))
                {
                    result = string.Empty;
                    return false;
                }

                cp = (cp << 6) | (c & 0x3F);
            }

            if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            {
                result = string.Empty;
                return false;
            }

            sb.Append(new Rune(cp).ToString());
            i += need + 1;
        }

        result = sb.ToString();
        return true;
    }

    private static bool IsCont(byte b) => (b & 0xC0) == 0x80;
}
