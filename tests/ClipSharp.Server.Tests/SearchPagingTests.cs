using System.Net;
using System.Text.Json;
using ClipSharp.Index;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>
/// Cursor paging of search results: every result reachable once, in a total order, for each sort; the total told
/// honestly; a date range; bad cursors and sorts rejected in the client's terms.
/// </summary>
public sealed class SearchPagingTests
{
    private const string Root = "/library/Pictures";

    /// <summary>An index of <paramref name="count"/> files whose scores against <see cref="Query"/> are spread (fixed seed), ids 1…count.</summary>
    private static Task<TestIndex> LibraryAsync(int count, int distinctScores = int.MaxValue)
    {
        var files = new List<TestIndexFile>();
        var random = new Random(18);
        for (int i = 1; i <= count; i++)
        {
            // Files share a score in groups when distinctScores is small: ties must page by id.
            int group = i % Math.Min(distinctScores, count);
            float angle = distinctScores < count ? group * 0.05f : (float)(random.NextDouble() * Math.PI);
            DateTime? taken = i % 3 == 0 ? null : new DateTime(2020, 1, 1).AddDays(random.Next(0, 1500));
            string folder = i % 4 == 0 ? Root : i % 2 == 0 ? Root + "/2021" : Root + "/trips/alps";
            files.Add(new TestIndexFile($"{folder}/p{i:D3}.jpg", Unit(MathF.Cos(angle), MathF.Sin(angle)), taken, 1000 + i, new DateTime(2019, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddHours(i)));
        }

        return TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, files);
    }

    /// <summary>The fake backend's width, so the server's text queries can search these vectors too.</summary>
    private static float[] Unit(float x, float y)
    {
        float[] v = new float[FakeClipEmbedder.DefaultDimension];
        v[0] = x;
        v[1] = y;
        return v;
    }

    private static readonly float[] Query = Unit(1, 0);

    private static async Task<List<SearchHit>> AllPagesAsync(IPhotoIndex search, PhotoSort sort, int limit, SearchOptions? filters = null, List<SearchPage>? pages = null)
    {
        var hits = new List<SearchHit>();
        SearchCursor? cursor = null;
        for (int n = 0; n < 1000; n++)
        {
            var page = await SearchPager.PageAsync(search, Query, filters ?? new SearchOptions(), sort, cursor, limit, CancellationToken.None);
            pages?.Add(page);
            Assert.True(page.Hits.Count <= limit);
            hits.AddRange(page.Hits);
            if (page.Next is null)
            {
                return hits;
            }

            Assert.Equal(limit, page.Hits.Count);
            // The cursor travels as a token.
            cursor = SearchCursor.TryParse(page.Next.Encode());
        }

        throw new InvalidOperationException("paging did not end");
    }

    [Theory]
    [InlineData(nameof(PhotoSort.Relevance), 5)]
    [InlineData(nameof(PhotoSort.Relevance), 1)]
    [InlineData(nameof(PhotoSort.Newest), 7)]
    [InlineData(nameof(PhotoSort.Oldest), 10)]
    public async Task SearchPager_FollowingNextToTheEnd_ReachesAll47FilesOnceInOrder(string sortName, int limit)
    {
        // By name: PhotoSort is internal to the index (the server's paging), and a public test method cannot take it.
        var sort = Enum.Parse<PhotoSort>(sortName);
        await using var search = await LibraryAsync(47);
        var pages = new List<SearchPage>();
        var hits = await AllPagesAsync(search, sort, limit, pages: pages);

        Assert.Equal(47, hits.Count);
        Assert.Equal(Enumerable.Range(1, 47).Select(i => (long)i), hits.Select(h => h.Id).Order());
        var expected = sort switch
        {
            PhotoSort.Relevance => hits.OrderByDescending(h => h.Score).ThenBy(h => h.Id),
            PhotoSort.Newest => hits.OrderByDescending(h => h.Date).ThenBy(h => h.Id),
            _ => hits.OrderBy(h => h.Date).ThenBy(h => h.Id),
        };
        Assert.Equal(expected.Select(h => h.Id), hits.Select(h => h.Id));
        // The last page knows the total; every page's lower bound is at most the total.
        Assert.Equal(47, pages[^1].Total);
        Assert.All(pages, p => Assert.InRange(p.TotalAtLeast, 1, 47));
        Assert.All(pages, p => Assert.True(p.Total is null || p.Total == 47));
    }

    [Fact]
    public async Task SearchPager_ManyEqualScores_PagesTiesByIdWithoutRepeatsOrGaps()
    {
        // 60 files with only 4 distinct scores: every page boundary falls inside a tie.
        await using var search = await LibraryAsync(60, distinctScores: 4);
        var hits = await AllPagesAsync(search, PhotoSort.Relevance, limit: 7);

        Assert.Equal(60, hits.Select(h => h.Id).Distinct().Count());
        Assert.Equal(hits.OrderByDescending(h => h.Score).ThenBy(h => h.Id).Select(h => h.Id), hits.Select(h => h.Id));
    }

    [Fact]
    public async Task SearchPager_WithACutOff_ReturnsOnlyCloseMatchesAndTheirExactTotal()
    {
        await using var search = await LibraryAsync(47);
        var filters = new SearchOptions { MinScore = 0.5f };
        var pages = new List<SearchPage>();
        var hits = await AllPagesAsync(search, PhotoSort.Relevance, 4, filters, pages);

        var all = await search.SearchAsync(Query, new SearchOptions { Limit = 100 }, CancellationToken.None);
        int close = all.Count(h => h.Score >= 0.5f);
        Assert.InRange(close, 5, 42);
        Assert.Equal(close, hits.Count);
        Assert.All(hits, h => Assert.True(h.Score >= 0.5f));
        Assert.Equal(close, pages[^1].Total);
    }

    [Fact]
    public async Task SearchPager_AFileAddedBetweenPages_NeitherRepeatsNorHidesOthers()
    {
        await using var search = await LibraryAsync(20);
        var first = await SearchPager.PageAsync(search, Query, new SearchOptions(), PhotoSort.Relevance, null, 5, CancellationToken.None);
        // A new best match arrives: it belongs before the cursor, so the next pages hold exactly the other 15.
        await search.AddAsync([new TestIndexFile(Root + "/new.jpg", Unit(1, 0), null, 1, DateTime.UnixEpoch)]);
        long added = await search.IdOfAsync(Root + "/new.jpg");
        var rest = new List<SearchHit>();
        var cursor = first.Next;
        while (cursor is not null)
        {
            var page = await SearchPager.PageAsync(search, Query, new SearchOptions(), PhotoSort.Relevance, cursor, 5, CancellationToken.None);
            rest.AddRange(page.Hits);
            cursor = page.Next;
        }

        Assert.Equal(15, rest.Count);
        Assert.Empty(first.Hits.Select(h => h.Id).Intersect(rest.Select(h => h.Id)));
        Assert.DoesNotContain(added, rest.Select(h => h.Id));
    }

    [Fact]
    public async Task SearchPager_FirstPageOfALargerIndex_TellsALowerBoundNotATotal()
    {
        await using var library = await LibraryAsync(47);
        var page = await SearchPager.PageAsync(library, Query, new SearchOptions(), PhotoSort.Relevance, null, 10, CancellationToken.None);

        Assert.Equal(10, page.Hits.Count);
        Assert.Null(page.Total);
        Assert.InRange(page.TotalAtLeast, 11, 47);
    }

    [Theory]
    [InlineData("")]
    [InlineData("not a cursor")]
    [InlineData("YzEuOS4xLjIuMw")] // "c1.9.1.2.3": an unknown sort
    public void SearchCursor_NotOneThisServerMade_IsNotParsed(string token)
        => Assert.Null(SearchCursor.TryParse(token));

    [Fact]
    public void SearchCursor_Encoded_ParsesBackToItself()
    {
        var cursor = new SearchCursor(PhotoSort.Newest, -637_000_000_000_000_000, 42, 120);
        Assert.Equal(cursor, SearchCursor.TryParse(cursor.Encode()));
    }

    [Fact]
    public async Task SearchEndpoint_FollowingNext_ReachesEveryPhotoWithRelativePathsAndTheTotal()
    {
        await using var server = await RunningServer.StartAsync(search: await LibraryAsync(47));
        var ids = new List<long>();
        string? next = null;
        JsonElement body;
        do
        {
            string url = "/v1/search?q=anything&limit=10&sort=newest" + (next is null ? "" : "&cursor=" + Uri.EscapeDataString(next));
            var response = await server.Client.GetAsync(url);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
            body = await RunningServer.ReadJsonAsync(response);
            foreach (var r in body.GetProperty("results").EnumerateArray())
            {
                ids.Add(r.GetProperty("id").GetInt64());
                string expected = "Pictures/" + r.GetProperty("path").GetString()![(Root.Length + 1)..];
                Assert.Equal(expected, r.GetProperty("relativePath").GetString());
            }

            next = body.GetProperty("next").ValueKind == JsonValueKind.Null ? null : body.GetProperty("next").GetString();
        }
        while (next is not null);

        Assert.Equal(47, ids.Distinct().Count());
        Assert.Equal(47, body.GetProperty("total").GetInt64());
        Assert.Equal(47, body.GetProperty("totalAtLeast").GetInt64());
    }

    [Fact]
    public async Task SearchEndpoint_ADateRange_ReturnsOnlyPhotosTakenInIt()
    {
        await using var search = await LibraryAsync(47);
        await using var server = await RunningServer.StartAsync(search: search);
        var body = await RunningServer.ReadJsonAsync(await server.Client.PostAsync("/v1/search",
            RunningServer.Json(new { text = "x", limit = 200, after = "2021-01-01", before = "2022-01-01", sort = "oldest" })));

        var dates = body.GetProperty("results").EnumerateArray().Select(r => r.GetProperty("takenAt").GetDateTime()).ToList();
        Assert.NotEmpty(dates);
        Assert.All(dates, d => Assert.InRange(d, new DateTime(2021, 1, 1), new DateTime(2021, 12, 31, 23, 59, 59)));
        Assert.Equal(dates.Order(), dates);
        Assert.Equal(dates.Count, body.GetProperty("total").GetInt64());
    }

    [Theory]
    [InlineData("/v1/search?q=x&sort=best", "'sort' must be relevance, newest or oldest.")]
    [InlineData("/v1/search?q=x&cursor=abc", "'cursor' is not a 'next' value from this server's search.")]
    [InlineData("/v1/search?q=x&after=2022-01-01&before=2021-01-01", "'after' must be earlier than 'before'.")]
    [InlineData("/v1/search?q=x&before=yesterday", "Query parameter 'before' must be a date in ISO 8601 form, such as 2024-05-01.")]
    public async Task SearchEndpoint_BadSortCursorOrRange_IsA400NamingIt(string url, string detail)
    {
        await using var server = await RunningServer.StartAsync(search: await LibraryAsync(5));
        var response = await server.Client.GetAsync(url);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(detail, (await RunningServer.ReadJsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task SearchEndpoint_ACursorOfAnotherSort_IsA400()
    {
        await using var server = await RunningServer.StartAsync(search: await LibraryAsync(20));
        var first = await RunningServer.ReadJsonAsync(await server.Client.GetAsync("/v1/search?q=x&limit=5"));
        string next = first.GetProperty("next").GetString()!;

        var response = await server.Client.GetAsync("/v1/search?q=x&limit=5&sort=oldest&cursor=" + Uri.EscapeDataString(next));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("'cursor' continues a search sorted by relevance, not oldest.", (await RunningServer.ReadJsonAsync(response)).GetProperty("detail").GetString());
    }

    [Fact]
    public async Task FoldersEndpoint_IndexedLibrary_ListsEachFolderWithItsNameBelowTheRoot()
    {
        await using var server = await RunningServer.StartAsync(search: await LibraryAsync(4));
        var body = await RunningServer.ReadJsonAsync(await server.Client.GetAsync("/v1/folders"));

        var folders = body.GetProperty("folders").EnumerateArray().Select(f => (f.GetProperty("path").GetString(), f.GetProperty("name").GetString())).ToList();
        Assert.Equal([(Root, "Pictures"), (Root + "/2021", "Pictures/2021"), (Root + "/trips/alps", "Pictures/trips/alps")], folders);
    }
}
