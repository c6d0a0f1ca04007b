using ClipSharp.Tests;

namespace ClipSharp.Server.Tests;

/// <summary>One server with the fake backend and a real index of the test photos, shared by a test class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    internal RunningServer Server { get; private set; } = null!;

    internal FakeClipEmbedder Backend { get; } = new();

    internal TestIndex Search { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        Search = await PhotoLibrary.CreateAsync();
        Server = await RunningServer.StartAsync(Backend, Search);
    }

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
