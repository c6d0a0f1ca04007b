using System.Globalization;
using System.Text;

namespace ClipSharp.Cli;

/// <summary>Text output helpers: paths with control characters made visible, as <c>ls</c> does.</summary>
internal static class CliText
{
    /// <summary>
    /// <paramref name="path"/> with control characters (newline, tab, escape, DEL, C1) written as C escapes
    /// (<c>\n</c>, <c>\t</c>, <c>\x1b</c>) and backslashes doubled when there are any, so one path stays on one line
    /// and cannot drive the terminal; an ordinary path comes back unchanged. JSON output is exact instead.
    /// </summary>
    public static string Path(string path)
    {
        if (!path.Any(char.IsControl))
        {
            return path;
        }

        var sb = new StringBuilder(path.Length + 8);
        foreach (char c in path)
        {
            switch (c)
            {
                case '\n': sb.Append("\\n"); break;
                case '\t': sb.Append("\\t"); break;
                case '\r': sb.Append("\\r"); break;
                case '\\': sb.Append("\\\\"); break;
                default:
                    if (char.IsControl(c))
                    {
                        sb.Append(c <= 0xff ? string.Create(CultureInfo.InvariantCulture, $"\\x{(int)c:x2}") : string.Create(CultureInfo.InvariantCulture, $"\\u{(int)c:x4}"));
                    }
                    else
                    {
                        sb.Append(c);
                    }

                    break;
            }
        }

        return sb.ToString();
    }
}
