using System.Diagnostics;
using System.Globalization;

using ClipSharp.Imaging;

using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Imaging;

public class PerformanceTests(ITestOutputHelper output)
{
    /// <summary>Median wall time and mean process CPU time per run (CPU time is robust when the machine is shared).</summary>
    private static (double WallMs, double CpuMs) Measure(Action action, int runs)
    {
        action(); // warm-up
        double[] t = new double[runs];
        using var process = Process.GetCurrentProcess();
        TimeSpan cpuStart = process.TotalProcessorTime;
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            t[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        process.Refresh();
        double cpu = (process.TotalProcessorTime - cpuStart).TotalMilliseconds / runs;
        Array.Sort(t);
        return (t[runs / 2], cpu);
    }

    [SkippableTheory]
    [InlineData("photos", "autumn-leaves.jpg")]
    [InlineData("edge", "panorama-6000x200.jpg")]
    public void LargeJpeg_DecodesAndPreprocessesQuickly(string folder, string file)
    {
        byte[] data = File.ReadAllBytes(TestData.Path(folder, file));
        var pre = ImagePreprocessor.Create(PreprocessConfig.OpenAI);
        ClipImage image = ImageDecoder.Decode(data, file);
        float[] dst = new float[3 * 224 * 224];

        var decode = Measure(() => ImageDecoder.Decode(data, file), 9);
        var preprocess = Measure(() => pre.Preprocess(image, dst), 9);
        long before = GC.GetAllocatedBytesForCurrentThread();
        pre.Preprocess(image, dst);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file} {image.Width}x{image.Height}: decode {decode.WallMs:F1} ms wall (median of 9) / {decode.CpuMs:F1} ms CPU (mean), preprocess {preprocess.WallMs:F1} ms wall / {preprocess.CpuMs:F1} ms CPU, preprocess allocates {allocated:N0} B"));
        Assert.True(preprocess.WallMs < 2000, $"preprocess took {preprocess.WallMs} ms");
        Assert.True(allocated < 1 << 20, $"preprocess allocated {allocated} bytes");
    }
}
