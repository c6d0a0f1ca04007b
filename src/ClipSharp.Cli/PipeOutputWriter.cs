using System.Text;
using Microsoft.Win32.SafeHandles;

namespace ClipSharp.Cli;

/// <summary>
/// Standard output when it is redirected, written straight to file descriptor 1. <see cref="Console.Out"/> drops
/// EPIPE silently, so a command piped into <c>head</c> would go on embedding every input for nobody; here a write to
/// a closed pipe throws <see cref="ClosedOutputException"/>, which stops the command (exit 141, as a POSIX tool
/// killed by SIGPIPE). Every line is flushed, so a reader sees results as they come.
/// </summary>
internal sealed class PipeOutputWriter : TextWriter
{
    private readonly StreamWriter _inner;

    private PipeOutputWriter(Stream stream) => _inner = new StreamWriter(stream, new UTF8Encoding(false), 1 << 14) { AutoFlush = false };

    public override Encoding Encoding => _inner.Encoding;

    /// <summary>A writer over descriptor 1 on Unix; elsewhere <see cref="Console.Out"/>.</summary>
    public static TextWriter ForStandardOutput()
        => OperatingSystem.IsWindows() ? Console.Out : new PipeOutputWriter(new FileStream(new SafeFileHandle(1, ownsHandle: false), FileAccess.Write, 1));

    public override void Write(char value) => Guard(() => _inner.Write(value));

    public override void Write(string? value) => Guard(() => _inner.Write(value));

    public override void Write(char[] buffer, int index, int count) => Guard(() => _inner.Write(buffer, index, count));

    public override void WriteLine(string? value) => Guard(() =>
    {
        _inner.WriteLine(value);
        _inner.Flush();
    });

    public override void WriteLine() => Guard(() =>
    {
        _inner.WriteLine();
        _inner.Flush();
    });

    public override void Flush() => Guard(_inner.Flush);

    public override Task WriteLineAsync(string? value)
    {
        WriteLine(value);
        return Task.CompletedTask;
    }

    public override Task FlushAsync()
    {
        Flush();
        return Task.CompletedTask;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            try
            {
                _inner.Dispose();
            }
            catch (IOException)
            {
                // The reader is gone; nothing more can be written.
            }
        }

        base.Dispose(disposing);
    }

    private static void Guard(Action write)
    {
        try
        {
            write();
        }
        catch (IOException ex) when (ex is not ClosedOutputException)
        {
            throw new ClosedOutputException(ex);
        }
    }
}
