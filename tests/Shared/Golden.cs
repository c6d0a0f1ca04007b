using System.Text.Json;
using ClipSharp.IO;

namespace ClipSharp.Tests;

/// <summary>Reads the golden outputs of OpenAI's reference pipeline from the shared test data.</summary>
internal static class Golden
{
    public static readonly string[] ModelFolders = ["openclip", "openclip-static", "hf"];

    public static string ModelDir(string layout) => TestData.Path("models", "micro", layout);

    public static string ImagePath(string file) => TestData.Path("golden", "images", file);

    /// <summary>The 28 golden image file names, in the row order of the golden embedding arrays.</summary>
    public static string[] ImageFiles(string set = "labels")
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", set, "images.json")));
        return doc.RootElement.EnumerateArray().Select(e => e.GetProperty("file").GetString()!).ToArray();
    }

    public static string[] Texts(string set)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", set, "texts.json")));
        return doc.RootElement.EnumerateArray().Select(e => e.GetString()!).ToArray();
    }

    public static float[] Preprocessed(string file) => Npy.ReadFloat32(TestData.Path("golden", "preprocess", file + ".npy")).Data;

    public static (float[] Data, int[] Shape) Array(string set, string name) => Npy.ReadFloat32(TestData.Path("golden", "micro", set, name));

    public static (long[] Data, int[] Shape) Tokens(string set) => Npy.ReadInt64(TestData.Path("golden", "micro", set, "tokens.npy"));

    /// <summary>A [rows, cols] matrix from probs.json (e.g. "cosine", "probs_at_logit_scale_100").</summary>
    public static double[][] ProbsMatrix(string set, string key)
    {
        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", set, "probs.json")));
        return doc.RootElement.GetProperty(key).EnumerateArray()
            .Select(r => r.EnumerateArray().Select(v => v.GetDouble()).ToArray()).ToArray();
    }

    public static double Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        double dot = 0, na = 0, nb = 0;
        for (int i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }
}
