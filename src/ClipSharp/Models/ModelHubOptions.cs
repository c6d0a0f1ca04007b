using System.Net.Http;

namespace ClipSharp.Models;

/// <summary>
/// Where models come from, where they are kept, and how patient the downloader is. <see cref="FromEnvironment"/> reads
/// the Hugging Face variables (<c>HF_ENDPOINT</c>, <c>HF_TOKEN</c>, <c>HF_HUB_OFFLINE</c>, …) the way
/// <c>huggingface_hub</c> does.
/// </summary>
public sealed class ModelHubOptions
{
    /// <summary>The public Hugging Face hub.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub (or mirror) base address; <c>HF_ENDPOINT</c>.</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>
    /// An access token for gated or private repositories: <c>HF_TOKEN</c>, else the token file (<c>HF_TOKEN_PATH</c>,
    /// else <c>$HF_HOME/token</c>, written by <c>huggingface-cli login</c>). Line breaks and surrounding spaces are
    /// dropped. It is sent only to the origin (scheme, host and port) of <see cref="Endpoint"/>, never after a redirect
    /// to another origin, and never printed.
    /// </summary>
    public string? Token { get; set; }

    /// <summary>
    /// The folder that holds downloaded models (in its <c>models/</c> subfolder): <c>CLIPSHARP_HOME</c>, else
    /// <c>$XDG_CACHE_HOME/clipsharp</c>, else <c>~/.cache/clipsharp</c>.
    /// </summary>
    public string CacheDirectory { get; set; } = HuggingFaceEnvironment.ClipSharpCacheDirectory(Environment.GetEnvironmentVariable);

    /// <summary>
    /// The user's Hugging Face hub cache (<c>HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
    /// <c>~/.cache/huggingface/hub</c>): files already there (<c>models--owner--name/…</c>) are verified and reused
    /// instead of downloaded again. Null: do not look.
    /// </summary>
    public string? HuggingFaceCacheDirectory { get; set; }

    /// <summary>Never touch the network; <c>HF_HUB_OFFLINE</c> or <c>TRANSFORMERS_OFFLINE</c> set to 1, ON, YES or TRUE (any case).</summary>
    public bool Offline { get; set; }

    /// <summary>
    /// How long a metadata request (the <c>HEAD</c> of each file) may take to connect and answer; <c>HF_HUB_ETAG_TIMEOUT</c>
    /// (seconds). Default 10 s, as in <c>huggingface_hub</c>.
    /// </summary>
    public TimeSpan MetadataTimeout { get; set; } = TimeSpan.FromSeconds(HuggingFaceEnvironment.DefaultTimeoutSeconds);

    /// <summary>
    /// How long a download may take to connect and send its headers, and then how long it may stall between two reads
    /// (not a limit on the whole file); <c>HF_HUB_DOWNLOAD_TIMEOUT</c> (seconds). Default 10 s, as in <c>huggingface_hub</c>.
    /// </summary>
    public TimeSpan DownloadTimeout { get; set; } = TimeSpan.FromSeconds(HuggingFaceEnvironment.DefaultTimeoutSeconds);

    /// <summary>
    /// Retries of a request that failed in a way that may pass (no connection, a timeout, a dropped connection, HTTP 408,
    /// 429, 500, 502, 503, 504). A download that made progress before failing starts its count again. Default 5.
    /// </summary>
    public int MaxRetries { get; set; } = 5;

    /// <summary>The wait before the first retry; it doubles for each further one (with jitter), up to <see cref="MaxRetryDelay"/>. Default 1 s.</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest wait between two retries chosen by the backoff. Default 8 s.</summary>
    public TimeSpan MaxRetryDelay { get; set; } = TimeSpan.FromSeconds(8);

    /// <summary>
    /// The longest <c>Retry-After</c> the downloader waits for; a server asking for longer gets a one-line error saying
    /// so instead. Default 5 minutes.
    /// </summary>
    public TimeSpan MaxRetryAfter { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How long a pull waits for another process pulling (or removing) the same model before it gives up;
    /// <c>CLIPSHARP_LOCK_TIMEOUT</c> (seconds). Default 1 hour.
    /// </summary>
    public TimeSpan LockTimeout { get; set; } = TimeSpan.FromHours(1);

    /// <summary>How often a waiting pull looks at the lock again.</summary>
    internal TimeSpan LockPollInterval { get; set; } = TimeSpan.FromMilliseconds(200);

    /// <summary>Adjusts the HTTP handler (tests: trust the fake hub's self-signed certificate).</summary>
    internal Action<SocketsHttpHandler>? ConfigureHandler { get; set; }

    /// <summary>Opens a lock file exclusively (tests: simulate a read-only or forbidden cache folder as root).</summary>
    internal Func<string, FileStream>? OpenLockFile { get; set; }

    /// <summary>
    /// Options from the environment: <c>HF_ENDPOINT</c>; <c>HF_TOKEN</c> (or the legacy <c>HUGGING_FACE_HUB_TOKEN</c>),
    /// else the token file <c>HF_TOKEN_PATH</c> or <c>$HF_HOME/token</c>; <c>HF_HUB_OFFLINE</c> / <c>TRANSFORMERS_OFFLINE</c>;
    /// <c>HF_HUB_CACHE</c> / <c>HF_HOME</c>; <c>HF_HUB_ETAG_TIMEOUT</c>, <c>HF_HUB_DOWNLOAD_TIMEOUT</c>;
    /// <c>CLIPSHARP_HOME</c>, <c>XDG_CACHE_HOME</c>, <c>CLIPSHARP_LOCK_TIMEOUT</c>.
    /// </summary>
    /// <exception cref="ClipSharpException">A timeout variable is not a number of seconds, or the token file cannot be read.</exception>
    public static ModelHubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var env = new HuggingFaceEnvironment(getVariable);
        var options = new ModelHubOptions
        {
            Endpoint = env.Endpoint(),
            Token = env.Token(),
            CacheDirectory = HuggingFaceEnvironment.ClipSharpCacheDirectory(getVariable),
            HuggingFaceCacheDirectory = env.HubCacheDirectory(),
            Offline = env.Offline(),
        };
        options.MetadataTimeout = env.Seconds("HF_HUB_ETAG_TIMEOUT") ?? options.MetadataTimeout;
        options.DownloadTimeout = env.Seconds("HF_HUB_DOWNLOAD_TIMEOUT") ?? options.DownloadTimeout;
        options.LockTimeout = env.Seconds("CLIPSHARP_LOCK_TIMEOUT") ?? options.LockTimeout;
        return options;
    }
}
