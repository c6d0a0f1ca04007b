using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Preprocessing reuses its buffers: a call on a large photo allocates a small, size-independent amount. (Its speed
/// is a benchmark: <c>ClipSharp.Bench preprocess</c>, which reports the preprocess / decode ratio.)
/// </summary>
public class PreprocessAllocationTests
{
    [SkippableTheory]
    [InlineData("photos", "autumn-leaves.jpg")]
    [InlineData("edge", "panorama-6000x200.jpg")]
    public void Preprocess_LargeJpeg_AllocatesUnderOneMegabyte(string folder, string file)
    {
        byte[] data = File.ReadAllBytes(TestData.Path(folder, file));
        var pre = ImagePreprocessor.Create(PreprocessConfig.OpenAI);
        ClipImage image = ImageDecoder.Decode(data, file);
        float[] dst = new float[3 * 224 * 224];
        pre.Preprocess(image, dst); // warm-up: one-time tables

        long before = GC.GetAllocatedBytesForCurrentThread();
        pre.Preprocess(image, dst);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        // The decoded pixels are 12.3 MB (autumn-leaves, 2560×1600 RGB) and 3.6 MB (the panorama): a copy would exceed the bound.
        Assert.True(allocated < 1 << 20, $"preprocess allocated {allocated} bytes");
    }
}
