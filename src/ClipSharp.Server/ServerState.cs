using ClipSharp.Index;
using ClipSharp.Server.Files;
using ClipSharp.Server.Http;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server;

/// <summary>What the endpoints share: the model (once loaded), the index, metrics.</summary>
internal sealed class ServerState : IDisposable
{
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private volatile InferenceService? _inference;
    private volatile IPhotoIndex? _search;
    private volatile string? _failure;
    private volatile bool _stopping;

    public ServerState(ClipServerOptions options)
    {
        Options = options;
        Thumbnails = new ThumbnailService(options.ThumbnailCacheBytes, options.MaxImagePixels);
        Files = new IndexedFiles(options.Log);
    }

    public ClipServerOptions Options { get; }

    public ServerMetrics Metrics { get; } = new();

    public ThumbnailService Thumbnails { get; }

    /// <summary>The only way files of the index are read for a client.</summary>
    public IndexedFiles Files { get; }

    /// <summary>The index's folders and roots (folder filter, relative paths).</summary>
    public IndexFolders Folders { get; } = new();

    /// <summary>True once the server is shutting down: <c>/readyz</c> answers 503 from then on.</summary>
    public bool IsStopping => _stopping;

    public Task Ready => _ready.Task;

    public bool IsReady => _inference is not null;

    public string? Failure => _failure;

    public InferenceService? InferenceOrNull => _inference;

    public IPhotoIndex? SearchOrNull => _search;

    public void SetReady(InferenceService inference, IPhotoIndex? search)
    {
        _search = search;
        _inference = inference;
        _ready.TrySetResult();
    }

    public void SetStopping() => _stopping = true;

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

    /// <summary>Why loading failed, in words fit for a public endpoint: without details when an API key protects the server.</summary>
    public string? PublicFailure => _failure is null ? null : string.IsNullOrEmpty(Options.ApiKey) ? _failure : "see the server's log";

    /// <summary>The index, or 503 when the server has none.</summary>
    public IPhotoIndex Search
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
        Files.Dispose();
        Folders.Dispose();
    }
}
