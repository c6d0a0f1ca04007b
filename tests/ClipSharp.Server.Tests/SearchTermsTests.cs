using System.Net;
using System.Numerics.Tensors;
using ClipSharp.Index;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>
/// Weighted query terms over HTTP combine as the command line's query arithmetic does (<see cref="SearchQuery.TryCombine"/>):
/// each term's embedding normalised, weighted, summed, the sum normalised.
/// </summary>
public sealed class SearchTermsTests
{
    [SkippableFact]
    public async Task SearchTerms_AStoredEmbeddingThatIsNotUnitLength_CountsAsUnitLengthAsInTheCommandLine()
    {
        // Photo A's stored vector is three times unit length: weighted by its length it would outweigh the text term 3:1.
        string a = TestData.Path("photos", "kite-in-sky.jpg");
        string b = TestData.Path("photos", "forest-stream.jpg");
        float[] alpha = FakeClipEmbedder.TextVector("alpha");
        float[] beta = FakeClipEmbedder.TextVector("beta");
        float[] tripled = new float[alpha.Length];
        TensorPrimitives.Multiply(alpha, 3f, tripled);
        var index = await TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, [new TestIndexFile(a, tripled), new TestIndexFile(b, beta)]);
        await using var server = await RunningServer.StartAsync(search: index);

        var response = await server.Client.PostAsync("/v1/search", RunningServer.Json(new
        {
            terms = new object[] { new { imageId = 1, weight = 1 }, new { text = "beta", weight = 1 } },
            limit = 10,
        }));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var results = (await RunningServer.ReadJsonAsync(response)).GetProperty("results").EnumerateArray().ToList();
        float[] query = SearchQuery.Combine([1f, 1f], [tripled, beta]);
        float served = results.Single(r => r.GetProperty("id").GetInt64() == 2).GetProperty("score").GetSingle();
        Assert.Equal(TensorPrimitives.Dot(query, beta), served, 1e-5f);
        // Unit-length terms with equal weights: the query lies halfway, as close to one as to the other.
        Assert.Equal(TensorPrimitives.Dot(query, alpha), TensorPrimitives.Dot(query, beta), 1e-5f);
    }

    [Fact]
    public async Task SearchTerms_ThatCancelOut_AreA400()
    {
        var index = await TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, [new TestIndexFile("/photos/a.jpg", FakeClipEmbedder.TextVector("alpha"))]);
        await using var server = await RunningServer.StartAsync(search: index);

        var response = await server.Client.PostAsync("/v1/search", RunningServer.Json(new
        {
            terms = new object[] { new { text = "beta", weight = 2 }, new { text = "beta", weight = -2 } },
        }));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("The weighted terms cancel out: the combined query is zero.", (await RunningServer.ReadJsonAsync(response)).GetProperty("detail").GetString());
    }
}
