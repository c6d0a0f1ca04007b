using System.Diagnostics;
using System.Globalization;
using ClipSharp.Models;

namespace ClipSharp.Cli;

/// <summary>
/// Shows download progress on stderr: a bar redrawn in place on a terminal, plain lines every few seconds
/// otherwise (logs, CI).
/// </summary>
internal sealed class DownloadReporter : IProgress<DownloadProgress>
{
    private const int BarWidth = 30;
    private static readonly TimeSpan s_plainInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_barInterval = TimeSpan.FromMilliseconds(200);
    private readonly CliConsole _console;
    private readonly bool _terminal;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();

    public DownloadReporter(CliConsole console)
    {
        _console = console;
        _terminal = !Console.IsErrorRedirected && !console.OutputRedirected;
    }

    public void Report(DownloadProgress value)
    {
        bool finished = value.File.Length == 0;
        if (!finished && _sinceLast.Elapsed < (_terminal ? s_barInterval : s_plainInterval))
        {
            return;
        }

        _sinceLast.Restart();
        string line = Format(value);
        if (_terminal)
        {
            _console.Error.Write("\r" + line.PadRight(Math.Max(line.Length, 100)));
            if (finished)
            {
                _console.Error.WriteLine();
            }
        }
        else
        {
            _console.Error.WriteLine(line);
        }
    }

    public static string Format(DownloadProgress p)
    {
        double fraction = p.TotalBytes > 0 ? Math.Clamp((double)p.BytesDone / p.TotalBytes, 0, 1) : 0;
        int filled = (int)(fraction * BarWidth);
        string bar = "[" + new string('#', filled) + new string('-', BarWidth - filled) + "]";
        string rate = p.BytesPerSecond > 0 ? ModelHub.FormatBytes((long)p.BytesPerSecond) + "/s" : "-";
        string eta = p.BytesPerSecond > 0 && p.TotalBytes > p.BytesDone
            ? TimeSpan.FromSeconds((p.TotalBytes - p.BytesDone) / p.BytesPerSecond).ToString(@"h\:mm\:ss", CultureInfo.InvariantCulture)
            : "0:00:00";
        string what = p.File.Length == 0 ? "done" : p.File;
        return string.Create(CultureInfo.InvariantCulture,
            $"{p.Model} {bar} {fraction * 100:0}% {ModelHub.FormatBytes(p.BytesDone)}/{ModelHub.FormatBytes(p.TotalBytes)} {rate} ETA {eta} {what}");
    }
}
