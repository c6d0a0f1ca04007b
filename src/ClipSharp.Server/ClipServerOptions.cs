namespace ClipSharp.Server;

/// <summary>Settings of a <see cref="ClipServer"/>. The defaults are safe for a loopback service.</summary>
public sealed class ClipServerOptions
{
    /// <summary>The default address: loopback only.</summary>
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>The header that carries the API key.</summary>
    public const string ApiKeyHeader = "X-API-Key";

    /// <summary>Addresses Kestrel listens on (port 0 picks a free port). Default: <see cref="DefaultUrl"/>.</summary>
    public IReadOnlyList<string> Urls { get; set; } = [DefaultUrl];

    /// <summary>
    /// When set, every request except <c>/healthz</c>, <c>/readyz</c> and the static page must carry it in
    /// <see cref="ApiKeyHeader"/>, and those public endpoints show no file system paths.
    /// </summary>
    public string? ApiKey { get; set; }

    /// <summary>Origins allowed by CORS (e.g. <c>https://app.example</c>); empty (default) means CORS is off.</summary>
    public IReadOnlyList<string> CorsOrigins { get; set; } = [];

    /// <summary>The largest request body in bytes (default 32 MiB); larger requests get 413.</summary>
    public long MaxRequestBytes { get; set; } = 32L * 1024 * 1024;

    /// <summary>The largest image in pixels (width × height) that is decoded (default 50 megapixels); larger ones get 413.</summary>
    public long MaxImagePixels { get; set; } = 50_000_000;

    /// <summary>The most texts in one embedding or ranking request (default 256).</summary>
    public int MaxTextsPerRequest { get; set; } = 256;

    /// <summary>The most images in one embedding request (default 32).</summary>
    public int MaxImagesPerRequest { get; set; } = 32;

    /// <summary>The most labels in one classification request (default 1000).</summary>
    public int MaxLabels { get; set; } = 1000;

    /// <summary>
    /// The most prompts (labels × templates) one classification request may embed (default 4096: the 80-template
    /// ImageNet ensemble for 50 labels fits); more is refused with 400.
    /// </summary>
    public int MaxPromptsPerRequest { get; set; } = 4096;

    /// <summary>The longest text, in characters, to embed, rank or search for (default 10,000).</summary>
    public int MaxTextLength { get; set; } = 10_000;

    /// <summary>The longest classification label, in characters (default 1,000).</summary>
    public int MaxLabelLength { get; set; } = 1_000;

    /// <summary>The longest prompt template, in characters (default 1,000).</summary>
    public int MaxTemplateLength { get; set; } = 1_000;

    /// <summary>
    /// The longest a request may take before it is answered 504 (default 30 s). An image waits at most a third of it for
    /// decode memory (the model's <see cref="ClipSharp.Imaging.DecodeMemoryBudget"/>) before the request is answered 503.
    /// </summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// How long <see cref="ClipServer.StopAsync"/> lets running requests finish before it cuts them (default 30 s,
    /// Kubernetes' grace period).
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How concurrent inference requests are combined.</summary>
    public BatchingOptions Batching { get; set; } = new();

    /// <summary>Thumbnail cache size in bytes (default 64 MiB).</summary>
    public long ThumbnailCacheBytes { get; set; } = 64L * 1024 * 1024;

    /// <summary>Writes request logs and start-up messages; null (default) logs warnings only.</summary>
    public Action<string>? Log { get; set; }
}

/// <summary>Dynamic batching: requests that arrive within <see cref="Window"/> share one inference call.</summary>
public sealed class BatchingOptions
{
    /// <summary>When false, every request runs its own inference call (one at a time per model tower).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long the first request of a batch waits for others (default 3 ms).</summary>
    public TimeSpan Window { get; set; } = TimeSpan.FromMilliseconds(3);

    /// <summary>The most items (texts or images) in one inference call (default 32).</summary>
    public int MaxBatchSize { get; set; } = 32;

    /// <summary>
    /// The most items waiting per tower (default 512); a request that would exceed it is refused with 503 and
    /// <c>Retry-After</c> instead of letting memory grow.
    /// </summary>
    public int QueueCapacity { get; set; } = 512;
}
