using ClipSharp.Index;
using ClipSharp.Server.Contracts;
using ClipSharp.Server.Http;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace ClipSharp.Server;

/// <summary>
/// CLIP as an HTTP service on Kestrel: the JSON API under <c>/v1</c>, its OpenAPI document at
/// <c>/openapi/v1.json</c>, <c>/healthz</c>, <c>/readyz</c>, <c>/metrics</c> and the web page at <c>/</c>.
/// The server listens at once; the model (and index) load in the background and <c>/readyz</c> answers 503
/// until they are ready.
/// </summary>
public sealed class ClipServer : IAsyncDisposable
{
    /// <summary>
    /// The longest URL (path and query) the API takes: 128 KiB, room for a 10,000-character query of any script,
    /// percent-encoded. Longer ones get a 414 problem up to <see cref="KestrelRequestLineBytes"/>.
    /// </summary>
    internal const int MaxUrlBytes = 128 * 1024;

    /// <summary>The request line Kestrel reads at most (its whole request buffer); beyond it Kestrel answers a bare 414.</summary>
    internal const int KestrelRequestLineBytes = 1024 * 1024;

    private readonly WebApplication _app;
    private readonly ServerState _state;
    private readonly Func<CancellationToken, Task<IClipEmbedder>> _backend;
    private readonly Func<CancellationToken, Task<IPhotoIndex?>>? _search;
    private readonly CancellationTokenSource _stopping = new();
    private Task? _loading;

    private ClipServer(WebApplication app, ServerState state, Func<CancellationToken, Task<IClipEmbedder>> backend, Func<CancellationToken, Task<IPhotoIndex?>>? search)
    {
        _app = app;
        _state = state;
        _backend = backend;
        _search = search;
    }

    /// <summary>Builds a server; nothing listens until <see cref="StartAsync"/>.</summary>
    /// <param name="options">Addresses, limits, batching, API key, CORS.</param>
    /// <param name="backend">Loads the model (called once, in the background, after the server listens).</param>
    /// <param name="search">Opens the photo index (of either backend; the server disposes it), or null for a server without search.</param>
    public static ClipServer Create(ClipServerOptions options, Func<CancellationToken, Task<IClipEmbedder>> backend, Func<CancellationToken, Task<IPhotoIndex?>>? search = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(backend);
        Validate(options);
        var state = new ServerState(options);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { ApplicationName = typeof(ClipServer).Assembly.GetName().Name });
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls([.. options.Urls]);
        // The server is a library: the process's signals belong to its host (clipsharp serve drains on SIGTERM itself).
        builder.Services.AddSingleton<IHostLifetime, EmbeddedLifetime>();
        builder.Services.Configure<HostOptions>(h => h.ShutdownTimeout = options.ShutdownTimeout);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxRequestBytes;

            // Requests Kestrel refuses itself (a request line over its whole buffer, headers too large, a malformed
            // request line) get a bare status without a problem document; below that the API answers URLs over
            // MaxUrlBytes with a 414 problem, and GET /v1/search reaches the text length limit.
            k.Limits.MaxRequestBufferSize = KestrelRequestLineBytes;
            k.Limits.MaxRequestLineSize = KestrelRequestLineBytes;
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
            k.Limits.MinRequestBodyDataRate = new Microsoft.AspNetCore.Server.Kestrel.Core.MinDataRate(240, TimeSpan.FromSeconds(10));
        });
        builder.Services.Configure<FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = options.MaxRequestBytes;
            f.ValueLengthLimit = (int)Math.Min(int.MaxValue, options.MaxRequestBytes);
            f.ValueCountLimit = 4096;
        });
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteHandlerOptions>(o => o.ThrowOnBadRequest = true);
        builder.Services.Configure<Microsoft.AspNetCore.Routing.RouteOptions>(o => o.SetParameterPolicy<Microsoft.AspNetCore.Routing.Constraints.RegexInlineRouteConstraint>("regex"));
        builder.Services.ConfigureHttpJsonOptions(j => j.SerializerOptions.PropertyNamingPolicy = System.Text.Json.JsonNamingPolicy.CamelCase);
        builder.Services.AddOpenApi("v1", o => ApiDocument.Configure(o, options));
        if (options.CorsOrigins.Count > 0)
        {
            builder.Services.AddCors(c => c.AddDefaultPolicy(p => p
                .WithOrigins([.. options.CorsOrigins])
                .WithMethods("GET", "POST")
                .WithHeaders("Content-Type", ClipServerOptions.ApiKeyHeader)
                .SetPreflightMaxAge(TimeSpan.FromHours(1))));
        }

        var app = builder.Build();
        app.UseHeadAsGet();
        app.UseProblems(state);
        app.UseRouting();
        if (options.CorsOrigins.Count > 0)
        {
            app.UseCors();
        }

        app.UseApiKey(state);
        app.UseRequestMetrics(state);
        MapOperational(app, state);

        // Only the one document there is: any other name is a plain 404 (a problem document like every other).
        app.MapOpenApi("/openapi/{documentName:regex(^v1$)}.json");
        StaticFiles.Map(app);
        ApiEndpoints.Map(app, state);
        return new ClipServer(app, state, backend, search);
    }

    /// <summary>The addresses Kestrel actually listens on (with the real port when 0 was asked for).</summary>
    public IReadOnlyList<string> Addresses
        => _app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToList() ?? [];

    /// <summary>Completes when the model (and index) are loaded and warmed; faults when loading failed.</summary>
    public Task Ready => _state.Ready;

    /// <summary>Starts listening and starts loading the model in the background.</summary>
    public async Task StartAsync(CancellationToken cancellationToken = default)
    {
        await _app.StartAsync(cancellationToken).ConfigureAwait(false);
        _loading = Task.Run(LoadAsync, CancellationToken.None);
    }

    /// <summary>True once <see cref="StopAsync"/> has begun: <c>/readyz</c> answers 503 from then on.</summary>
    public bool IsStopping => _state.IsStopping;

    /// <summary>
    /// Stops gracefully: <c>/readyz</c> turns 503 at once, no new connections are accepted, and running requests
    /// finish — for at most <see cref="ClipServerOptions.ShutdownTimeout"/> or until <paramref name="cancellationToken"/>
    /// fires, after which they are cut.
    /// </summary>
    /// <returns>True when every running request finished; false when some were cut.</returns>
    public async Task<bool> StopAsync(CancellationToken cancellationToken = default)
    {
        _state.SetStopping();
        await _stopping.CancelAsync().ConfigureAwait(false);
        using var grace = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        grace.CancelAfter(_state.Options.ShutdownTimeout);
        await _app.StopAsync(grace.Token).ConfigureAwait(false);
        if (_loading is not null)
        {
            await _loading.ConfigureAwait(false);
        }

        return !grace.IsCancellationRequested;
    }

    /// <summary>Stops the server (as <see cref="StopAsync"/>, when not done yet) and releases the model.</summary>
    public async ValueTask DisposeAsync()
    {
        if (!_stopping.IsCancellationRequested)
        {
            await StopAsync().ConfigureAwait(false);
        }

        await _app.DisposeAsync().ConfigureAwait(false);
        var backend = _state.InferenceOrNull?.Backend;
        _state.Dispose();
        (backend as IDisposable)?.Dispose();
        if (_state.SearchOrNull is { } search)
        {
            await search.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    private async Task LoadAsync()
    {
        try
        {
            var token = _stopping.Token;
            var backend = await _backend(token).ConfigureAwait(false);
            await Task.Run(backend.Warm, token).ConfigureAwait(false);
            IPhotoIndex? search = _search is null ? null : await _search(token).ConfigureAwait(false);
            // A third of the request timeout for decode memory leaves two thirds for decoding and inference of the image
            // once it has its memory (a 50-megapixel JPEG takes seconds on a busy CPU): a request that cannot get memory in
            // time is answered 503 (retry later) rather than timing out (504) after it got it.
            var inference = new InferenceService(backend, _state.Options.Batching, _state.Metrics, _state.Options.RequestTimeout / 3);
            _state.SetReady(inference, search);
            _state.Options.Log?.Invoke($"ready: model {backend.ModelName} ({backend.Dimension}-d){(search is null ? "" : ", index " + search.Location)}");
        }
#pragma warning disable CA1031 // A failed load is reported by /readyz and by the Ready task.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            _state.Options.Log?.Invoke("error: loading failed: " + ex.Message);
            _state.SetFailed(ex);
        }
    }

    private static void MapOperational(WebApplication app, ServerState state)
    {
        app.MapGet("/healthz", () => Results.Json(new HealthResponse("ok")))
            .WithName("Health").WithSummary("Liveness: the process answers.").WithTags("operations").Produces<HealthResponse>()
            .WithMetadata(PublicEndpoint.Instance);
        app.MapGet("/readyz", (Func<HttpContext, Task<IResult>>)(c => ReadyAsync(c, state)))
            .WithName("Ready").WithSummary("Readiness: 200 once the model is loaded and warmed; 503 before, and from the moment shutdown begins.").WithTags("operations")
            .Produces<HealthResponse>().ProducesProblem(503)
            .WithMetadata(PublicEndpoint.Instance);
        app.MapGet("/metrics", () => Results.Text(state.Metrics.Render(state.InferenceOrNull?.Backend.DecodeMemory), "text/plain; version=0.0.4; charset=utf-8"))
            .WithName("Metrics").WithSummary("Prometheus metrics: requests, latencies, batch sizes, queue lengths, decode memory budget, memory.").WithTags("operations")
            .Produces<string>(200, "text/plain");
    }

    private static async Task<IResult> ReadyAsync(HttpContext context, ServerState state)
    {
        if (state.IsStopping)
        {
            throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "shutting-down", "The server is shutting down.");
        }

        var inference = state.InferenceOrNull;
        if (inference is null)
        {
            throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, state.Failure is null ? "not-ready" : "load-failed",
                state.Failure is null ? "The model is loading." : "The model failed to load: " + state.PublicFailure,
                state.Failure is null ? TimeSpan.FromSeconds(1) : null);
        }

        var search = state.SearchOrNull;
        long? files = null;
        if (search is not null)
        {
            try
            {
                files = (await search.Store.GetCountsAsync(context.RequestAborted).ConfigureAwait(false)).Files;
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                state.Options.Log?.Invoke("error: /readyz: the index cannot be read: " + ex.Message);
                throw new ApiProblemException(StatusCodes.Status503ServiceUnavailable, "index-unavailable", "The photo index cannot be read.", TimeSpan.FromSeconds(5));
            }
        }

        // Public: with an API key, no file system path.
        string? location = search is null || !string.IsNullOrEmpty(state.Options.ApiKey) ? null : search.Location;
        return Results.Json(new HealthResponse("ready", inference.Backend.ModelName, inference.Dimension, location, state.Options.Batching.Enabled, files));
    }

    private static void Validate(ClipServerOptions options)
    {
        if (options.Urls.Count == 0)
        {
            throw new ArgumentException("At least one URL is needed.", nameof(options));
        }

        if (options.MaxRequestBytes < 1024 || options.MaxImagePixels < 1 || options.RequestTimeout <= TimeSpan.Zero || options.ShutdownTimeout < TimeSpan.Zero
            || options.MaxTextsPerRequest < 1 || options.MaxImagesPerRequest < 1 || options.MaxLabels < 1 || options.MaxPromptsPerRequest < 1
            || options.MaxTextLength < 1 || options.MaxLabelLength < 1 || options.MaxTemplateLength < 2)
        {
            throw new ArgumentException("Limits must be positive (MaxRequestBytes at least 1024, MaxTemplateLength at least 2, ShutdownTimeout not negative).", nameof(options));
        }

        if (options.Batching.MaxBatchSize < 1 || options.Batching.QueueCapacity < 1 || options.Batching.Window < TimeSpan.Zero)
        {
            throw new ArgumentException("Batching needs MaxBatchSize ≥ 1, QueueCapacity ≥ 1 and a window ≥ 0.", nameof(options));
        }

        foreach (string origin in options.CorsOrigins)
        {
            if (!Uri.TryCreate(origin, UriKind.Absolute, out var uri) || uri.AbsolutePath != "/" || (uri.Scheme != "http" && uri.Scheme != "https"))
            {
                throw new ArgumentException($"CORS origin '{origin}' must be an origin such as https://app.example (scheme, host, optional port).", nameof(options));
            }
        }
    }
}
