using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>Servers for the browser tests: the fake CLIP backend with an in-memory index of the test photos.</summary>
internal static class TestServers
{
    /// <summary>A started, ready server (dispose it) and its address.</summary>
    public static async Task<(ClipServer Server, string Address)> StartAsync(IPhotoSearch? search, string? apiKey = null)
    {
        var options = new ClipServerOptions { Urls = ["http://127.0.0.1:0"], ApiKey = apiKey };
        var server = ClipServer.Create(options, _ => Task.FromResult<IClipEmbedder>(new FakeClipEmbedder()),
            search is null ? null : _ => Task.FromResult<IPhotoSearch?>(search));
        await server.StartAsync();
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return (server, server.Addresses.Single());
    }

    /// <summary>
    /// <paramref name="count"/> indexed photos: the test photos in labels.csv order, then again from the first
    /// (another id for the same file), each with the fake backend's embedding of its label.
    /// </summary>
    public static InMemoryPhotoSearch Photos(int count)
    {
        var labels = PhotoLibrary.Labels();
        var search = new InMemoryPhotoSearch();
        for (int i = 0; i < count; i++)
        {
            var (file, label) = labels[i % labels.Count];
            string path = TestData.Path("photos", file);
            var info = new FileInfo(path);
            DateTime? taken = i % 2 == 0 ? new DateTime(2020, 1, 1).AddDays(i * 9) : null;
            search.Add(new PhotoRecord(i + 1, path, info.Length, info.LastWriteTimeUtc, taken), FakeClipEmbedder.TextVector(label));
        }

        return search;
    }
}
