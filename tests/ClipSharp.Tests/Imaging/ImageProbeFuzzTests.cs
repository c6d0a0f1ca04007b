using ClipSharp.Imaging;
using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Mutation fuzz of the header probe (<see cref="ImageProbe.Probe"/>, as the indexer and server call it) and the EXIF reader (<see cref="Exif"/>):
/// JPEG marker lengths, frame fields and EXIF IFD offsets, counts and types; PNG, GIF, BMP and WebP headers by bytes.
/// Both are documented to tolerate anything: malformed fields stay unknown, nothing throws.
/// </summary>
public sealed class ImageProbeFuzzTests(ITestOutputHelper output)
{
    private static List<byte[]> Seeds()
    {
        byte[] tiny = File.ReadAllBytes(TestData.Path("edge", "tiny-16x16.jpg"));
        var seeds = new List<byte[]> { tiny, ImageProbeTests.JpegWithExif("2020:01:02 03:04:05", 6), ImageProbeTests.JpegWithExif("2021:11:12 13:14:15", 8, bigEndian: true) };
        foreach (bool big in new[] { false, true })
        {
            byte[] exif = [.. "Exif\0\0"u8, .. TiffBuilder.Exif(big, 5, "2019:12:31 23:59:59")];
            seeds.Add([.. tiny.AsSpan(0, 2), 0xFF, 0xE1, (byte)((exif.Length + 2) >> 8), (byte)(exif.Length + 2), .. exif, .. tiny.AsSpan(2)]);
        }

        // Headers (the probe reads a prefix) of the other formats it sizes.
        foreach (string file in new[] { "tiny-1x1.png", "cat-animated-2frames.gif", "cat-24bit.bmp", "cat-lossy.webp", "cat-lossless-alpha.webp" })
        {
            byte[] all = File.ReadAllBytes(TestData.Path("edge", file));
            seeds.Add(all[..Math.Min(all.Length, 512)]);
        }

        return seeds;
    }

    [SkippableFact]
    public void ImageProbe_MutatedHeaders_AreProbedWithoutThrowing()
    {
        const int Cases = 5000;
        var target = new FuzzTarget
        {
            Name = "header probe",
            Parse = header =>
            {
                ImageInfo r = ImageProbe.Probe(header);
                if (r.Width < 0 || r.Height < 0 || r.Orientation is < 1 or > 8)
                {
                    throw new InvalidOperationException($"probe gave {r.Width}x{r.Height}, orientation {r.Orientation}");
                }
            },
            CheckRejection = ex => $"{ex.GetType().Name}: the probe documents unknown fields for malformed headers, never an exception",
            AllocationBound = length => (2L * length) + 16384,
        };

        FuzzReport report = FuzzRunner.Run(target, Seeds(), Cases, seed: 101, (rng, seed) => seed[0] == 0xFF ? JpegMutator.Mutate(rng, seed) : Mutator.Mutate(rng, seed));
        output.WriteLine(report.ToString());
        Assert.Equal(Cases, report.Accepted);
    }

    [Fact]
    public void ExifRead_MutatedBlocks_AreReadWithoutThrowing()
    {
        const int Cases = 5000;
        List<byte[]> seeds = [.. Enumerable.Range(1, 8).Select(o => TiffBuilder.Exif(o % 2 == 1, o, $"20{o:00}:0{o}:1{o} 0{o}:3{o}:5{o}"))];
        var target = new FuzzTarget
        {
            Name = "EXIF reader (orientation and date)",
            Parse = block =>
            {
                var (orientation, _) = Exif.Read(block);
                if (orientation is < 1 or > 8)
                {
                    throw new InvalidOperationException($"orientation {orientation}");
                }
            },
            CheckRejection = ex => $"{ex.GetType().Name}: malformed EXIF is documented to be ignored",
            AllocationBound = length => (8L * length) + 16384,
        };

        FuzzReport report = FuzzRunner.Run(target, seeds, Cases, seed: 112, (rng, seed) => TiffMutator.Mutate(rng, seed));
        output.WriteLine(report.ToString());
        Assert.Equal(Cases, report.Accepted);
    }
}
