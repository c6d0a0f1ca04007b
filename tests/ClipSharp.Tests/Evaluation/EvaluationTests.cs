using ClipSharp.Evaluation;
using Xunit;

namespace ClipSharp.Tests.Evaluation;

public class EvaluationTests
{
    private static readonly (string File, string Label)[] s_goldenLabels =
    [
        ("astronaut.png", "a photo of an astronaut"),
        ("chelsea.png", "a photo of a cat"),
        ("edge_gray_chelsea.jpg", "a photo of a cat"),
        ("coffee.png", "a photo of a cup of coffee"),
        ("rocket.jpg", "a photo of a rocket"),
        ("motorcycle_left.png", "a photo of a motorcycle"),
        ("motorcycle_right.png", "a photo of a motorcycle"),
        ("hubble_deep_field.jpg", "a photo of a galaxy"),
        ("retina.jpg", "a photo of a retina"),
        ("coins.png", "a photo of coins"),
        ("moon.png", "a photo of the moon"),
        ("horse.png", "a photo of a horse"),
    ];

    [Fact]
    public void Score_HandComputedExample_CountsTop1Top5AndConfusion()
    {
        // Three classes on the unit circle-ish; image 0 is class 0 and closest to it, image 1 is class 1 but closest to class 2.
        float[] classes = [1, 0, 0, 1, 0.6f, 0.8f];
        float[][] images = [[1, 0], [0.5f, 0.866f], [0, 1]];
        int[] labels = [0, 1, 1];

        var s = ZeroShotEvaluator.Score(images, classes, 3, labels);

        Assert.Equal(new[] { 1, 2, 0 }, s.Counts);
        Assert.Equal(new[] { 1, 1, 0 }, s.Top1PerClass); // image 2 → class 1 right; image 1 → class 2 wrong
        Assert.Equal(new[] { 1, 2, 0 }, s.Top5PerClass); // with 3 classes everything is in the top 5
        Assert.Equal(new[] { 0, 1, 1 }, s.Confusion[1]);
    }

    [Fact]
    public void Recall_HandComputedExample_BothDirections()
    {
        float[][] images = [[1, 0], [0, 1], [0.7071f, 0.7071f]];
        // text 0 belongs to image 0 and is nearest it; text 1 belongs to image 1 but is nearest image 2.
        float[][] texts = [[1, 0], [0.6f, 0.8f]];
        int[] owner = [0, 1];

        var (t2i, i2t) = RetrievalEvaluator.Recall(images, texts, owner, [1, 2]);

        Assert.Equal([0.5, 1.0], t2i); // text 1 ranks image 1 second
        Assert.Equal(2.0 / 3, i2t[0], 9); // images 0 and 1 each find their caption first; image 2 has none
        Assert.Equal(2.0 / 3, i2t[1], 9);
    }

    [SkippableFact]
    public void ZeroShot_GoldenImages_AccuracyEqualsTheOneFromGoldenEmbeddings()
    {
        string[] texts = Golden.Texts("labels_skimage");
        string[] files = Golden.ImageFiles("labels_skimage");
        double[][] cosine = Golden.ProbsMatrix("labels_skimage", "cosine");
        int expectedTop1 = 0, expectedTop5 = 0;
        foreach (var (file, label) in s_goldenLabels)
        {
            double[] row = cosine[Array.IndexOf(files, file)];
            int truth = Array.IndexOf(texts, label);
            int rank = row.Count(v => v > row[truth]);
            expectedTop1 += rank == 0 ? 1 : 0;
            expectedTop5 += rank < 5 ? 1 : 0;
        }

        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var data = s_goldenLabels.Select(g => new LabeledImage(Golden.ImagePath(g.File), g.Label)).ToArray();
        var report = ZeroShotEvaluator.Evaluate(model, data, new ZeroShotEvaluationOptions { Templates = ["{}"], ClassNames = texts });

        Assert.Equal(s_goldenLabels.Length, report.Evaluated);
        Assert.Equal(expectedTop1, report.Top1Correct);
        Assert.Equal(expectedTop5, report.Top5Correct);
        Assert.Equal(report.Top1Correct, report.PerClass.Sum(c => c.Top1Correct));
        Assert.Equal(s_goldenLabels.Length, report.Confusion.Sum(r => r.Sum()));
    }

    [SkippableFact]
    public void ZeroShot_SecondRunWithOtherTemplates_TakesEveryImageFromTheCache()
    {
        var data = ImageDataset.Load(TestData.Path("photos", "labels.csv"));
        string cache = Path.Combine(Path.GetTempPath(), $"clipsharp-eval-{Guid.NewGuid():N}.embeddings");
        try
        {
            using var model = ClipModel.Load(Golden.ModelDir("hf"));
            var first = ZeroShotEvaluator.Evaluate(model, data, new ZeroShotEvaluationOptions { CachePath = cache });
            var second = ZeroShotEvaluator.Evaluate(model, data, new ZeroShotEvaluationOptions { CachePath = cache, Templates = PromptTemplates.ImageNet80 });

            Assert.Equal(data.Count, first.EmbeddedImages);
            Assert.Equal(0, second.EmbeddedImages);
            Assert.Equal(data.Count, second.CachedImages);
            Assert.Equal(80, second.TemplateCount);
        }
        finally
        {
            File.Delete(cache);
        }
    }

    [SkippableFact]
    public void Dataset_FolderOfClassFolders_LabelsFromFolderNames()
    {
        string root = Directory.CreateTempSubdirectory("clipsharp-ds-").FullName;
        try
        {
            foreach (var (cls, file) in new[] { ("cat", "cat-chelsea.png"), ("coffee", "coffee-cup.png"), ("coffee", "cameraman-gray.png") })
            {
                Directory.CreateDirectory(Path.Combine(root, cls));
                File.Copy(TestData.Path("photos", file), Path.Combine(root, cls, file));
            }

            Directory.CreateDirectory(Path.Combine(root, ".hidden"));
            var data = ImageDataset.Load(root);

            Assert.Equal(3, data.Count);
            Assert.Equal(["cat", "coffee", "coffee"], data.Select(d => d.Label));
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    [Fact]
    public void Dataset_CsvWithQuotesAndMissingColumn_ParsesOrNamesTheLine()
    {
        string dir = Directory.CreateTempSubdirectory("clipsharp-ds-").FullName;
        try
        {
            string good = Path.Combine(dir, "good.csv");
            File.WriteAllText(good, "file,label,caption\na.jpg,dog,\"a dog, running\"\nb.jpg,\"cat \"\"tabby\"\"\",x\n");
            var rows = ImageDataset.Load(good);
            Assert.Equal(["dog", "cat \"tabby\""], rows.Select(r => r.Label));
            Assert.Equal("a dog, running", ImageDataset.Load(good, "caption")[0].Label);
            Assert.Equal(Path.Combine(dir, "a.jpg"), rows[0].Path);

            string bad = Path.Combine(dir, "bad.csv");
            File.WriteAllText(bad, "file,label\na.jpg,dog\nb.jpg\n");
            var ex = Assert.Throws<ClipSharpException>(() => ImageDataset.Load(bad));
            Assert.Contains("line 3", ex.Message, StringComparison.Ordinal);
            Assert.Contains(bad, ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
