using System.Globalization;
using ClipSharp.Models;

namespace ClipSharp.Cli;

/// <summary>Download progress: size, rate and ETA.</summary>
internal sealed class DownloadReporter(CliConsole console) : ProgressReporter<DownloadProgress>(console)
{
    protected override bool IsFinished(DownloadProgress value) => value.File.Length == 0;

    protected override string Format(DownloadProgress p)
    {
        double fraction = p.TotalBytes > 0 ? Math.Clamp((double)p.BytesDone / p.TotalBytes, 0, 1) : 0;
        string rate = p.BytesPerSecond > 0 ? ModelHub.FormatBytes((long)p.BytesPerSecond) + "/s" : "-";
        string eta = p.BytesPerSecond > 0 && p.TotalBytes > p.BytesDone
            ? TimeSpan.FromSeconds((p.TotalBytes - p.BytesDone) / p.BytesPerSecond).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : "0:00:00";
        string what = p.File.Length == 0 ? "done" : p.File;
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.Model} {Bar(fraction)} {fraction * 100:0}% {ModelHub.FormatBytes(p.BytesDone)}/{ModelHub.FormatBytes(p.TotalBytes)} {rate} ETA {eta} {what}");
    }
}

/// <summary>Item progress: count, items per second and ETA.</summary>
internal sealed class CountReporter(CliConsole console, string what) : ProgressReporter<(int Done, int Total)>(console)
{
    protected override bool IsFinished((int Done, int Total) value) => value.Done >= value.Total;

    protected override string Format((int Done, int Total) p)
    {
        double fraction = p.Total > 0 ? (double)p.Done / p.Total : 1;
        double rate = p.Done / Math.Max(Clock.Elapsed.TotalSeconds, 1e-3);
        string eta = rate > 0 && p.Total > p.Done
            ? TimeSpan.FromSeconds((p.Total - p.Done) / rate).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : "0:00:00";
        return string.Create(CultureInfo.InvariantCulture, $"{what} {Bar(fraction)} {p.Done}/{p.Total} {rate:0.0}/s ETA {eta}");
    }
}
