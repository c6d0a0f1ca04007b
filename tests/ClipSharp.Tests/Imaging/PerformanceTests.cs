using System.Diagnostics;
using System.Globalization;

using ClipSharp.Imaging;

using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Imaging;

public class PerformanceTests(ITestOutputHelper output)
{
    private static double MedianMs(Action action, int runs)
    {
        action(); // warm-up
        double[] t = new double[runs];
        for (int i = 0; i < runs; i++)
        {
            long start = Stopwatch.GetTimestamp();
            action();
            t[i] = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
        }

        Array.Sort(t);
        return t[runs / 2];
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

        double decode = MedianMs(() => ImageDecoder.Decode(data, file), 7);
        double preprocess = MedianMs(() => pre.Preprocess(image, dst), 7);
        long before = GC.GetAllocatedBytesForCurrentThread();
        pre.Preprocess(image, dst);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file} {image.Width}x{image.Height}: decode {decode:F1} ms, preprocess {preprocess:F1} ms (median of 7), preprocess allocates {allocated:N0} B"));
        Assert.True(preprocess < 1000, $"preprocess took {preprocess} ms");
        Assert.True(allocated < 1 << 20, $"preprocess allocated {allocated} bytes");
    }
}
