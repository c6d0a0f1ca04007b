namespace ClipSharp.Server.Tests;

/// <summary>One server with the fake backend and the in-memory photo index, shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    internal RunningServer Server { get; private set; } = null!;

    internal FakeClipEmbedder Backend { get; } = new();

    internal InMemoryPhotoSearch Search { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Search = PhotoLibrary.Create();
        Server = await RunningServer.StartAsync(Backend, Search);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
