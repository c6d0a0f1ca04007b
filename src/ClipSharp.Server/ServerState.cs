using ClipSharp.Server.Http;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>What the endpoints share: the model (once loaded), the index, metrics.</summary>
internal sealed class ServerState : IDisposable
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile InferenceService? _inference;
    private volatile IPhotoSearch? _search;
    private volatile string? _failure;

    public ServerState(ClipServerOptions options)
    {
        Options = options;
        Thumbnails = new ThumbnailService(options.ThumbnailCacheBytes, options.MaxImagePixels);
    }

    public ClipServerOptions Options { get; }

    public ServerMetrics Metrics { get; } = new();

    public ThumbnailService Thumbnails { get; }

    public Task Ready => _ready.Task;

    public bool IsReady => _inference is not null;

    public string? Failure => _failure;

    public InferenceService? InferenceOrNull => _inference;

    public IPhotoSearch? SearchOrNull => _search;

    public void SetReady(InferenceService inference, IPhotoSearch? search)
    {
        _search = search;
        _inference = inference;
        _ready.TrySetResult();
    }

    public void SetFailed(Exception ex)
    {
        _failure = ex.Message;
        _ready.TrySetException(ex);
    }

    /// <summary>The model, or 503 while it is loading.</summary>
    public InferenceService Inference
        => _inference ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "not-ready",
            _failure is null ? "The model is still loading; try again shortly." : "The model failed to load: " + _failure,
            _failure is null ? TimeSpan.FromSeconds(1) : null);

    /// <summary>The index, or 503 when the server has none.</summary>
    public IPhotoSearch Search
    {
        get
        {
            _ = Inference;
            return _search ?? throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "no-index",
                "This server has no photo index: start it with --index PATH.");
        }
    }

    public void Dispose()
    {
        _inference?.Dispose();
        Thumbnails.Dispose();
    }
}
