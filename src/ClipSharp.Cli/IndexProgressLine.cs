using System.Globalization;
using ClipSharp.Index;

namespace ClipSharp.Cli;

/// <summary>
/// How <c>index</c> shows its progress. On a terminal: one line that fits the width, always with the bar, the
/// percentage, the count and the ETA ("--:--" until the walk is complete and a rate is known), e.g.
/// <c>[#########-----------]  45%  150/333  ETA 0:00:12  8.1 images/s</c>. Off a terminal: a plain line whose
/// counts add up (done = embedded + re-used + failed + other).
/// </summary>
internal static class IndexProgressLine
{
    /// <summary>The terminal line, at most <paramref name="width"/> − 1 characters (the last column would wrap).</summary>
    public static string Terminal(IndexProgress p, int width)
    {
        double fraction = p.ToProcess > 0 ? (double)p.Processed / p.ToProcess : 0;
        string percent = string.Create(CultureInfo.InvariantCulture, $"{(int)Math.Floor(fraction * 100),3}%");
        string count = string.Create(CultureInfo.InvariantCulture, $"{p.Processed}/{p.ToProcess}{(p.WalkComplete ? "" : "+")}");
        string eta = "ETA " + Eta(p);
        string rate = string.Create(CultureInfo.InvariantCulture, $"{p.ImagesPerSecond:0.0} images/s");
        int room = Math.Max(width, 40) - 1;

        // The bar takes what is left, between 10 and 40 columns; the rate goes first when there is no room.
        string tail = $"  {percent}  {count}  {eta}  {rate}";
        if (room - tail.Length - 2 < 10)
        {
            tail = $"  {percent}  {count}  {eta}";
        }

        int barWidth = Math.Clamp(room - tail.Length - 2, 1, 40);
        int filled = (int)(Math.Clamp(fraction, 0, 1) * barWidth);
        string line = "[" + new string('#', filled) + new string('-', barWidth - filled) + "]" + tail;
        return line.Length <= room ? line : line[..room];
    }

    /// <summary>A plain progress line for logs.</summary>
    public static string Plain(IndexProgress p) => string.Create(CultureInfo.InvariantCulture,
        $"indexing: {p.Processed} of {p.ToProcess}{(p.WalkComplete ? "" : "+")} files to update done ({p.Embedded} embedded, {p.Reused} re-used, {p.Failed} failed, {p.Processed - p.Embedded - p.Reused - p.Failed} not images or gone); {p.Found} found{(p.WalkComplete ? "" : " so far")}, {p.Unchanged} unchanged; {p.ImagesPerSecond:0.0} images/s, ETA {Eta(p)}");

    private static string Eta(IndexProgress p) => p.WalkComplete && p.Eta is { } eta
        ? string.Create(CultureInfo.InvariantCulture, $"{(int)eta.TotalHours}:{eta.Minutes:00}:{eta.Seconds:00}")
        : "--:--";
}
