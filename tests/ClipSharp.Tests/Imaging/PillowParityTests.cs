using System.Security.Cryptography;

using ClipSharp.Imaging;

using Xunit;

namespace ClipSharp.Tests.Imaging;

/// <summary>
/// Modes, filters and sizes beyond OpenAI's pipeline, checked bit-exact against Pillow 9.4.0. The expected values are
/// SHA-256 digests of the 8-bit RGB S×S result Pillow gives (Image.resize with the filter, torchvision-style centre
/// crop for shortest, open_clip ResizeKeepRatio + centred paste on a fill_color canvas for longest, then
/// convert("RGB")), computed once with Debian 12's python3-pil 9.4.0; no Python is needed to run the test.
/// </summary>
public class PillowParityTests
{
    [SkippableTheory]
    [InlineData("chelsea.png", ResizeMode.Shortest, 224, ResizeFilter.Bilinear, 0, "75ae31c979583e71df4dadfafdc038c13782df4319eafadee4e336c1ca36bf6c")]
    [InlineData("edge_alpha_coffee.png", ResizeMode.Shortest, 224, ResizeFilter.Bilinear, 0, "fe37145e3c30ef357d0d9e2d8c817b78fd26bbf02e0a50217a990364b0f0b1c8")]
    [InlineData("camera.png", ResizeMode.Shortest, 160, ResizeFilter.Bilinear, 0, "6eb77e121976784cd2bece316537441bf62a71541b08e660ab8133b1370fe072")]
    [InlineData("rocket.jpg", ResizeMode.Squash, 224, ResizeFilter.Bicubic, 0, "6065954dddb6391f23437383f21edae1719920b6e96a117bdb2185266dc83e1b")]
    [InlineData("edge_alpha_coffee.png", ResizeMode.Squash, 300, ResizeFilter.Bicubic, 0, "659c5deaf0e30ca2f39c85d1b947bb71bcbe8d61568f78f132d13d9cbc7392cc")]
    [InlineData("chelsea.png", ResizeMode.Longest, 224, ResizeFilter.Bicubic, 128, "478ca18c35943dca06b2a35b4d12e4183654b86807a57d61c23ec94226d95505")]
    [InlineData("edge_tall_300x2000.jpg", ResizeMode.Longest, 256, ResizeFilter.Bilinear, 7, "85c6ab6feec8e745ff1e973e96ff512efe1dedc80732bb270da92cb2d6a0f31e")]
    [InlineData("edge_alpha_coffee.png", ResizeMode.Longest, 224, ResizeFilter.Bicubic, 255, "21446d98cf99158fcccd6880fd3b6fe8bf694d042de7a3140ad3ee21aef59d57")]
    [InlineData("chelsea.png", ResizeMode.Shortest, 224, ResizeFilter.Nearest, 0, "953e3bb445eab83db7a2d3e59979140fb6214fdb3d33f9c7ded1496df51bd82e")]
    [InlineData("edge_tiny_16x16.png", ResizeMode.Squash, 300, ResizeFilter.Bicubic, 0, "eceddc7e778d300d272eb9926c52383fdbcd19395bba0772dd43531332c7f623")]
    [InlineData("edge_panorama_2000x300.jpg", ResizeMode.Shortest, 336, ResizeFilter.Bicubic, 0, "68230fa9110493b721e408f63e87d08a693f9cbf6c6d51d41bd27b7e99dcc652")]
    [InlineData("coins.png", ResizeMode.Squash, 97, ResizeFilter.Bilinear, 0, "3cb792350ef7be3a749493e9203a2f27306d4a4cff63b4b1e31b132fc63cec3b")]
    public void Resize_GoldenImagesInEveryMode_MatchesPillowBitExact(string file, ResizeMode mode, int size, ResizeFilter filter, int fill, string sha256)
    {
        ClipImage image = ImageDecoder.Decode(TestData.Path("golden", "images", file));
        var config = PreprocessConfig.Create(size, mode, filter, [0f, 0f, 0f], [1f, 1f, 1f], fill);
        float[] t = ImagePreprocessor.Create(config).Preprocess(image);

        int plane = size * size;
        byte[] rgb = new byte[plane * 3];
        for (int i = 0; i < plane; i++)
        {
            for (int c = 0; c < 3; c++)
            {
                rgb[(i * 3) + c] = (byte)Math.Round(t[(c * plane) + i] * 255f);
            }
        }

        Assert.Equal(sha256, Convert.ToHexStringLower(SHA256.HashData(rgb)));
    }
}
