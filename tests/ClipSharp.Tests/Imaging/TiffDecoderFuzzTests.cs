using ClipSharp.Tests.Fuzz;
using Xunit;
using Xunit.Abstractions;
using static ClipSharp.Tests.Fuzz.TiffBuilder;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Mutation fuzz of the TIFF decoder: the IFD structure is kept while entry tags, types, counts, values and offsets,
/// entry counts and the strip bytes change; plus plain bit flips and truncations.
/// </summary>
public class TiffDecoderFuzzTests(ITestOutputHelper output)
{
    private const int Cases = 4000;

    /// <summary>Every layout the decoder supports (grey, inverted grey, RGB, RGBA, grey + alpha, palette) in every compression, both byte orders, several strips; and the LZW test file.</summary>
    internal static List<byte[]> Seeds()
    {
        var rng = new Random(99);
        // The LZW test file is a seed of the decode test below but not of the fuzz: 250 KB per case would cost seconds.
        var seeds = new List<byte[]>();
        (int Photometric, int Samples, uint[] Extra)[] layouts = [(1, 1, []), (0, 1, []), (2, 3, []), (2, 4, [2]), (1, 2, [2]), (3, 1, [])];
        int[] compressions = [1, 5, 8, 32773];
        foreach (var (photometric, samples, extra) in layouts)
        {
            foreach (int compression in compressions)
            {
                seeds.Add(Build(rng, photometric, samples, extra, compression, predictor: rng.Next(2) + 1, bigEndian: rng.Next(2) == 0));
            }
        }

        return seeds;
    }

    private static byte[] Build(Random rng, int photometric, int samples, uint[] extra, int compression, int predictor, bool bigEndian)
    {
        const int Width = 7, Height = 5, RowsPerStrip = 2;
        var strips = new List<byte[]>();
        for (int y = 0; y < Height; y += RowsPerStrip)
        {
            byte[] raw = new byte[Width * samples * Math.Min(RowsPerStrip, Height - y)];
            rng.NextBytes(raw);
            raw.AsSpan(0, raw.Length / 3).Fill(raw[0]); // a run for PackBits and LZW to find
            strips.Add(compression switch
            {
                5 => Lzw(raw),
                8 => PngMutator.Deflate(raw),
                32773 => PackBits(raw),
                _ => raw,
            });
        }

        return Image(bigEndian, strips, (offsets, counts) =>
        {
            var entries = new List<Entry>
            {
                new(256, 3, [Width]),
                new(257, 4, [Height]),
                new(258, 3, [.. Enumerable.Repeat(8u, samples)]),
                new(259, 3, [(uint)compression]),
                new(262, 3, [(uint)photometric]),
                new(273, 4, offsets),
                new(274, 3, [(uint)rng.Next(1, 9)]),
                new(277, 3, [(uint)samples]),
                new(278, 3, [RowsPerStrip]),
                new(279, 4, counts),
                new(284, 3, [1]),
                new(317, 3, [(uint)predictor]),
            };
            if (photometric == 3)
            {
                entries.Add(new Entry(320, 3, [.. Enumerable.Range(0, 768).Select(_ => (uint)rng.Next(65536))]));
            }

            if (extra.Length > 0)
            {
                entries.Add(new Entry(338, 3, extra));
            }

            return entries;
        });
    }

    [SkippableFact]
    public void TiffDecoder_MutatedFiles_DecodeOrFailWithAClipSharpExceptionNamingTheInput()
    {
        FuzzReport report = FuzzRunner.Run(ImageFuzz.Decoder("TIFF", "fuzz.tif"), Seeds(), Cases, seed: 23, (rng, seed) => TiffMutator.Mutate(rng, seed));
        output.WriteLine(report.ToString());
        Assert.InRange(report.Accepted, Cases / 10, Cases);
        Assert.InRange(report.Rejected, Cases / 10, Cases);
    }

    [SkippableFact]
    public void TiffDecoder_SeedFiles_AllDecode()
    {
        foreach (byte[] seed in Seeds())
        {
            ImageFuzz.Decoder("TIFF", "seed.tif").Parse(seed);
        }
    }
}
