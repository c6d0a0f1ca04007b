using ClipSharp.Index;
using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>Servers for the browser tests: the fake CLIP backend with a real index of the test photos (the server disposes it).</summary>
internal static class TestServers
{
    /// <summary>A started, ready server (dispose it) and its address.</summary>
    public static async Task<(ClipServer Server, string Address)> StartAsync(IPhotoIndex? search, string? apiKey = null)
    {
        var options = new ClipServerOptions { Urls = ["http://127.0.0.1:0"], ApiKey = apiKey };
        var server = ClipServer.Create(options, _ => Task.FromResult<IClipEmbedder>(new FakeClipEmbedder()),
            search is null ? null : _ => Task.FromResult<IPhotoIndex?>(search));
        await server.StartAsync();
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        return (server, server.Addresses.Single());
    }

    /// <summary>
    /// <paramref name="count"/> indexed photos: the test photos in labels.csv order, then copies of them again from the
    /// first (another id for the same picture), each with the fake backend's embedding of its label.
    /// </summary>
    public static async Task<TestIndex> PhotosAsync(int count)
    {
        var labels = PhotoLibrary.Labels();
        var index = await TestIndex.CreateAsync(FakeClipEmbedder.DefaultDimension, []);
        for (int i = 0; i < count; i++)
        {
            var (file, label) = labels[i % labels.Count];
            DateTime? taken = i % 2 == 0 ? new DateTime(2020, 1, 1).AddDays(i * 9) : null;
            // The index keys records by path: a photo's second appearance is a copy of it in another folder.
            string path = TestData.Path("photos", file);
            if (i >= labels.Count)
            {
                string copy = index.Sub("copies" + (i / labels.Count), file);
                Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                File.Copy(path, copy);
                path = copy;
            }

            await index.AddAsync([new TestIndexFile(path, FakeClipEmbedder.TextVector(label), taken)]);
        }

        return index;
    }
}
