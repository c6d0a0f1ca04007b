using System.Diagnostics;

namespace ClipSharp.Cli;

/// <summary>
/// Progress on stderr: one line redrawn in place on a terminal, plain lines every few seconds otherwise
/// (logs, CI). Subclasses format a report and say when it is the last one.
/// </summary>
internal abstract class ProgressReporter<T> : IProgress<T>
{
    private static readonly TimeSpan s_plainInterval = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan s_terminalInterval = TimeSpan.FromMilliseconds(200);
    private readonly CliConsole _console;
    private readonly bool _terminal;
    private readonly Stopwatch _sinceLast = Stopwatch.StartNew();

    protected ProgressReporter(CliConsole console)
    {
        _console = console;
        _terminal = !Console.IsErrorRedirected && !console.OutputRedirected;
        Clock = Stopwatch.StartNew();
    }

    /// <summary>Time since the reporter was created.</summary>
    protected Stopwatch Clock { get; }

    public void Report(T value)
    {
        bool finished = IsFinished(value);
        if (!finished && _sinceLast.Elapsed < (_terminal ? s_terminalInterval : s_plainInterval))
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

    protected abstract bool IsFinished(T value);

    protected abstract string Format(T value);

    protected static string Bar(double fraction, int width = 30)
    {
        int filled = (int)(Math.Clamp(fraction, 0, 1) * width);
        return "[" + new string('#', filled) + new string('-', width - filled) + "]";
    }
}
