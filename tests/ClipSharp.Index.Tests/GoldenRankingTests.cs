using System.Text.Json;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>
/// With the real micro model (needs the tokenizer and imaging merges), the index over the golden images returns,
/// for each golden text, the golden ranking: order, with scores within 1e-4 (neighbours closer than that may swap).
/// </summary>
public sealed class GoldenRankingTests
{
    [SkippableFact]
    public async Task Search_over_the_indexed_golden_images_returns_the_golden_ranking_for_every_text()
    {
        using var temp = new TempFolder();
        string images = TestData.Path("golden", "images");
        using var model = ClipModel.Load(Golden.ModelDir("openclip"));
        var embedder = new ClipModelEmbedder(model);
        await using var index = PhotoIndex.Open(temp.Sub("index"));
        var result = await new Indexer(index.Store, embedder).RunAsync([images]);
        Assert.Equal(0, result.Failed);

        using var doc = JsonDocument.Parse(File.ReadAllBytes(TestData.Path("golden", "micro", "labels_skimage", "search.json")));
        var root = doc.RootElement;
        string[] texts = root.GetProperty("texts").EnumerateArray().Select(t => t.GetString()!).ToArray();
        var rankings = root.GetProperty("ranking");
        var allScores = root.GetProperty("scores");
        Assert.Equal(texts.Length, rankings.GetArrayLength());
        for (int t = 0; t < texts.Length; t++)
        {
            string[] ranking = rankings[t].EnumerateArray().Select(r => r.GetString()!).ToArray();
            double[] scores = allScores[t].EnumerateArray().Select(s => s.GetDouble()).ToArray();
            float[] query = SearchQuery.Embed(SearchQuery.Parse(texts[t], _ => false), embedder);
            var hits = await index.SearchAsync(query, new SearchOptions { Limit = ranking.Length });

            Assert.Equal(ranking.Length, hits.Count);
            var goldenScore = ranking.Select((file, i) => (file, scores[i])).ToDictionary(x => x.file, x => x.Item2);
            for (int i = 0; i < hits.Count; i++)
            {
                string file = Path.GetFileName(hits[i].Path);
                Assert.True(Math.Abs(hits[i].Score - goldenScore[file]) <= 1e-4, $"\"{texts[t]}\" {file}: {hits[i].Score} vs golden {goldenScore[file]}");
                // Same order, except neighbours whose golden scores are within 1e-4 of each other may swap.
                Assert.True(file == ranking[i] || Math.Abs(goldenScore[file] - scores[i]) <= 1e-4,
                    $"\"{texts[t]}\" rank {i}: {file}, golden {ranking[i]}");
            }
        }
    }
}
