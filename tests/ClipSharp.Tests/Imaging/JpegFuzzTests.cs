using ClipSharp.Imaging;
using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Mutation fuzz of the JPEG paths: the frame-header walker (<see cref="JpegHeader"/>), the whole decode (walker, pixel
/// limit, libjpeg-turbo through Skia, EXIF orientation) and the EXIF orientation reader (<see cref="Exif"/>), with marker
/// lengths, frame fields and EXIF IFD offsets, counts and types mutated.
/// </summary>
public class JpegFuzzTests(ITestOutputHelper output)
{
    /// <summary>The 16×16 test JPEG and the same with EXIF blocks (both byte orders) in front of its frame header (small: a case takes microseconds).</summary>
    internal static List<byte[]> Seeds()
    {
        byte[] tiny = File.ReadAllBytes(TestData.Path("edge", "tiny-16x16.jpg"));
        var seeds = new List<byte[]> { tiny };
        foreach (bool big in new[] { false, true })
        {
            byte[] exif = [.. "Exif\0\0"u8, .. TiffBuilder.Exif(big, big ? 6 : 3, "2021:02:03 04:05:06")];
            byte[] app1 = [0xFF, 0xE1, (byte)((exif.Length + 2) >> 8), (byte)(exif.Length + 2), .. exif];
            seeds.Add([.. tiny.AsSpan(0, 2), .. app1, .. tiny.AsSpan(2)]);
        }

        return seeds;
    }

    [SkippableFact]
    public void JpegDecode_MutatedFiles_DecodeOrFailWithAClipSharpExceptionNamingTheInput()
    {
        const int Cases = 2500;
        FuzzReport report = FuzzRunner.Run(ImageFuzz.Decoder("JPEG", "fuzz.jpg"), Seeds(), Cases, seed: 34, JpegMutator.Mutate);
        output.WriteLine(report.ToString());
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 10, Cases);
    }

    [SkippableFact]
    public void JpegHeader_MutatedFiles_ReadTheFrameHeaderOrFailAsCorrupt()
    {
        const int Cases = 5000;
        var target = new FuzzTarget
        {
            Name = "JPEG header walker",
            Parse = data => JpegHeader.Read(data),
            // Internal: the decoder adds the input's name; the walker's own refusal is a CorruptImage.
            CheckRejection = ex => ex is ClipSharpException { Kind: ClipErrorKind.CorruptImage } ? null : $"{ex.GetType().Name} instead of a CorruptImage ClipSharpException",
            AllocationBound = _ => 16 * 1024,
        };
        FuzzReport report = FuzzRunner.Run(target, Seeds(), Cases, seed: 45, JpegMutator.Mutate);
        output.WriteLine(report.ToString());
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 20, Cases);
    }

    [Fact]
    public void ExifOrientation_MutatedBlocks_AreReadAsOneToEightWithoutThrowing()
    {
        const int Cases = 5000;
        List<byte[]> seeds = [.. Enumerable.Range(1, 8).Select(o => TiffBuilder.Exif(o % 2 == 0, o, "2022:03:04 05:06:07"))];
        seeds.AddRange(seeds.Select(s => (byte[])[.. "Exif\0\0"u8, .. s]).ToList());
        var target = new FuzzTarget
        {
            Name = "EXIF orientation reader",
            Parse = data =>
            {
                int orientation = Exif.Read(data).Orientation;
                if (orientation is < 1 or > 8)
                {
                    throw new InvalidOperationException($"orientation {orientation}");
                }
            },
            CheckRejection = ex => $"{ex.GetType().Name}: the reader documents 1 for anything malformed, never an exception",
            AllocationBound = _ => 1024,
        };
        FuzzReport report = FuzzRunner.Run(target, seeds, Cases, seed: 56, (r, s) => TiffMutator.Mutate(r, s, s[0] == 'E' ? 6 : 0));
        output.WriteLine(report.ToString());
        Assert.Equal(Cases, report.Accepted);
    }
}
