using ClipSharp.Imaging;
using ClipSharp.Models;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace ClipSharp.Extensions;

/// <summary>
/// Finds and loads the configured model once, through the library's one loader (<see cref="ModelHubExtensions"/>). As a
/// hosted service it does so when the host starts, asynchronously and cancellably, downloading a catalog model that is
/// not cached yet (or, offline, taking it from the Hugging Face cache). Without a host, the first resolution of
/// <see cref="ClipModel"/> loads it from disk only (a folder or a cached catalog model) and says how to get a model that
/// is not there: nothing blocks on a download or on any other asynchronous work.
/// </summary>
internal sealed class ClipModelLoader(IOptions<ClipSharpOptions> options) : IHostedService, IDisposable
{
    private readonly Lock _sync = new();
    private ClipModel? _model;
    private bool _handedOut;

    /// <summary>The model (loaded at start, else now from disk). The container owns it once handed out.</summary>
    public ClipModel Model
    {
        get
        {
            lock (_sync)
            {
                if (_model is null)
                {
                    using var hub = CreateHub();
                    var model = hub.LoadLocalModel(options.Value.Model, ModelOptions())
                        ?? throw new ClipSharpException(ClipErrorKind.NotCached,
                            $"the model is not in the cache yet; it is downloaded when the host starts (AddClipSharp registers a hosted service), or pull it beforehand with 'clipsharp models pull {options.Value.Model}'",
                            options.Value.Model);
                    if (options.Value.Warm)
                    {
                        try
                        {
                            model.Warm();
                        }
                        catch
                        {
                            model.Dispose();
                            throw;
                        }
                    }

                    _model = model;
                }

                _handedOut = true;
                return _model;
            }
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        lock (_sync)
        {
            if (_model is not null)
            {
                return;
            }
        }

        using var hub = CreateHub();
        var model = await hub.LoadModelAsync(options.Value.Model, ModelOptions(), cancellationToken: cancellationToken).ConfigureAwait(false);
        if (options.Value.Warm)
        {
            try
            {
                await Task.Run(model.Warm, cancellationToken).ConfigureAwait(false);
            }
            catch
            {
                model.Dispose();
                throw;
            }
        }

        lock (_sync)
        {
            if (_model is null)
            {
                _model = model;
                return;
            }
        }

        model.Dispose(); // resolved meanwhile without the host's help
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose()
    {
        lock (_sync)
        {
            if (!_handedOut)
            {
                _model?.Dispose();
            }
        }
    }

    private ModelHub CreateHub()
    {
        var o = options.Value;
        var hubOptions = ModelHubOptions.FromEnvironment();
        hubOptions.Offline |= o.Offline;
        if (o.CacheDirectory is not null)
        {
            hubOptions.CacheDirectory = o.CacheDirectory;
        }

        if (!string.IsNullOrWhiteSpace(o.HubEndpoint))
        {
            hubOptions.Endpoint = o.HubEndpoint.Trim().TrimEnd('/');
        }

        return ModelHub.Create(hubOptions);
    }

    private ClipModelOptions ModelOptions()
    {
        var o = options.Value;
        return new ClipModelOptions
        {
            Variant = o.Variant,
            IntraOpThreads = o.IntraOpThreads,
            MaxBatchSize = o.MaxBatchSize,
            Decode = new ImageDecodeOptions { MaxPixels = o.MaxImagePixels },
            DecodeMemory = o.DecodeMemoryMegabytes is int megabytes ? new DecodeMemoryBudget(megabytes * 1024L * 1024) : null,
        };
    }
}
