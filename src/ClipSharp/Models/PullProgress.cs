using System.Diagnostics;

namespace ClipSharp.Models;

/// <summary>Counts the bytes of a pull (present, downloaded, reused) and reports them as <see cref="DownloadProgress"/>.</summary>
internal sealed class PullProgress(string model, long announcedTotal, IProgress<DownloadProgress>? sink)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private long _present;

    /// <summary>Bytes that came over the network in this pull.</summary>
    public long Downloaded { get; private set; }

    /// <summary>Bytes taken from another cached model or the Hugging Face cache.</summary>
    public long ReusedElsewhere { get; private set; }

    private long Total => Math.Max(announcedTotal, _present);

    /// <summary>A whole file was already on disk.</summary>
    public void Reused(string file, long bytes, bool fromElsewhere)
    {
        _present += bytes;
        ReusedElsewhere += fromElsewhere ? bytes : 0;
        Report(file);
    }

    /// <summary>A download resumes with bytes an earlier pull fetched.</summary>
    public void Resumed(string file, long bytes)
    {
        _present += bytes;
        Report(file);
    }

    /// <summary>Bytes arrived (or, negative, were discarded).</summary>
    public void Downloading(string file, long bytes)
    {
        _present += bytes;
        Downloaded += Math.Max(0, bytes);
        Report(file);
    }

    /// <summary>The last report: everything is present (an empty file name marks it).</summary>
    public void Finished()
    {
        _present = Total;
        Report(string.Empty);
    }

    private void Report(string file)
        => sink?.Report(new DownloadProgress(model, file, _present, Total, Downloaded / Math.Max(_clock.Elapsed.TotalSeconds, 1e-3)));
}
