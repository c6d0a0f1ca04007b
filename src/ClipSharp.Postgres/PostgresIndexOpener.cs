using ClipSharp.Index;
using Microsoft.Extensions.Hosting;

namespace ClipSharp.Postgres;

/// <summary>
/// Opens the registered PostgreSQL index when the host starts, asynchronously and cancellably (connecting and checking
/// the schema is network work: nothing blocks on it). Resolving <see cref="IPhotoIndex"/> before the host has started
/// is a clear error, never a blocking connection.
/// </summary>
internal sealed class PostgresIndexOpener(PostgresStoreOptions options) : IHostedService, IAsyncDisposable
{
    private readonly Lock _sync = new();
    private PostgresPhotoIndex? _index;
    private bool _handedOut;

    /// <summary>The opened index; the container owns it once handed out.</summary>
    /// <exception cref="InvalidOperationException">The host has not started (or opening failed).</exception>
    public PostgresPhotoIndex Index
    {
        get
        {
            lock (_sync)
            {
                _handedOut = _index is not null;
                return _index ?? throw new InvalidOperationException(
                    $"The PostgreSQL index {options.DisplayName} is opened when the host starts (AddPostgresPhotoIndex registers a hosted service); start the host before resolving IPhotoIndex, or open it yourself with PostgresPhotoIndex.OpenAsync.");
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_index is not null)
            {
                return;
            }
        }

        var index = await PostgresPhotoIndex.OpenAsync(options, cancellationToken).ConfigureAwait(false);
        lock (_sync)
        {
            _index ??= index;
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public ValueTask DisposeAsync()
    {
        lock (_sync)
        {
            if (_handedOut || _index is null)
            {
                return ValueTask.CompletedTask;
            }
        }

        return _index.DisposeAsync();
    }
}
