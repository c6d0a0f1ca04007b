using Microsoft.Extensions.Hosting;

namespace ClipSharp.Server;

/// <summary>
/// A host lifetime that leaves the process's signals alone (ASP.NET's default console lifetime would stop the
/// server on Ctrl-C/SIGTERM by itself): the application that embeds <see cref="ClipServer"/> decides when to stop.
/// </summary>
internal sealed class EmbeddedLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
