using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Mutation fuzz of the PNG decoder: chunks re-CRC'd after their content changes, extreme IHDR values, damaged inflated
/// rows, palettes and EXIF of any length, plus plain bit flips and truncations.
/// </summary>
public class PngDecoderFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 4000;

    /// <summary>Every colour type and bit depth, plain and interlaced, in sizes that leave partial Adam7 passes; and the 1×1 test file.</summary>
    internal static List<byte[]> Seeds()
    {
        var rng = new Random(1234);
        var seeds = new List<byte[]> { File.ReadAllBytes(TestData.Path("edge", "tiny-1x1.png")) };
        foreach (var (type, depth) in PngMutator.Formats)
        {
            seeds.Add(PngMutator.Build(rng, 13, 7, type, depth, interlaced: false, orientation: 0));
            seeds.Add(PngMutator.Build(rng, 9, 11, type, depth, interlaced: true, orientation: rng.Next(2) == 0 ? 6 : 0));
        }

        return seeds;
    }

    [SkippableFact]
    public void PngDecoder_MutatedFiles_DecodeOrFailWithAClipSharpExceptionNamingTheInput()
    {
        List<byte[]> seeds = Seeds();
        FuzzReport report = FuzzRunner.Run(ImageFuzz.Decoder("PNG", "fuzz.png"), seeds, Cases, seed: 12, PngMutator.Mutate);
        output.WriteLine(report.ToString());

        // The mutations keep files valid enough to reach the pixel code: many decode, many are refused deep inside.
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 10, Cases);
    }

    [SkippableFact]
    public void PngDecoder_SeedFiles_AllDecode()
    {
        foreach (byte[] seed in Seeds())
        {
            ImageFuzz.Decoder("PNG", "seed.png").Parse(seed);
        }
    }
}
