namespace ClipSharp.Models;

/// <summary>Where models come from and where they are kept. <see cref="FromEnvironment"/> reads the usual variables.</summary>
public sealed class ModelHubOptions
{
    /// <summary>The public Hugging Face hub.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The hub (or mirror) base address; <c>HF_ENDPOINT</c>.</summary>
    public string Endpoint { get; set; } = DefaultEndpoint;

    /// <summary>An access token for gated or private repositories; <c>HF_TOKEN</c>. Sent only to <see cref="Endpoint"/>.</summary>
    public string? Token { get; set; }

    /// <summary>
    /// The folder that holds downloaded models (in its <c>models/</c> subfolder): <c>CLIPSHARP_HOME</c>, else
    /// <c>$XDG_CACHE_HOME/clipsharp</c>, else <c>~/.cache/clipsharp</c>.
    /// </summary>
    public string CacheDirectory { get; set; } = DefaultCacheDirectory(null);

    /// <summary>Never touch the network; <c>HF_HUB_OFFLINE=1</c>.</summary>
    public bool Offline { get; set; }

    /// <summary>Timeout for connecting and for each read of a download (not for the whole file). Default 60 s.</summary>
    public TimeSpan ReadTimeout { get; set; } = TimeSpan.FromSeconds(60);

    /// <summary>Options from the environment: HF_ENDPOINT, HF_TOKEN, CLIPSHARP_HOME, XDG_CACHE_HOME, HF_HUB_OFFLINE.</summary>
    public static ModelHubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? endpoint = getVariable("HF_ENDPOINT");
        string? offline = getVariable("HF_HUB_OFFLINE");
        return new ModelHubOptions
        {
            Endpoint = string.IsNullOrWhiteSpace(endpoint) ? DefaultEndpoint : endpoint.TrimEnd('/'),
            Token = NullIfEmpty(getVariable("HF_TOKEN")),
            CacheDirectory = DefaultCacheDirectory(getVariable),
            Offline = offline is not null && (offline == "1" || offline.Equals("true", StringComparison.OrdinalIgnoreCase) || offline.Equals("yes", StringComparison.OrdinalIgnoreCase)),
        };
    }

    private static string DefaultCacheDirectory(Func<string, string?>? getVariable)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        string? home = NullIfEmpty(getVariable("CLIPSHARP_HOME"));
        if (home is not null)
        {
            return Path.GetFullPath(home);
        }

        string? xdg = NullIfEmpty(getVariable("XDG_CACHE_HOME"));
        string baseDir = xdg ?? Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");
        return Path.Combine(baseDir, "clipsharp");
    }

    private static string? NullIfEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>Download progress of one model pull.</summary>
/// <param name="Model">The model being pulled.</param>
/// <param name="File">The file being downloaded (relative path).</param>
/// <param name="BytesDone">Bytes of the whole model present so far (including resumed bytes).</param>
/// <param name="TotalBytes">Bytes of the whole model.</param>
/// <param name="BytesPerSecond">Transfer rate of this session.</param>
public readonly record struct DownloadProgress(string Model, string File, long BytesDone, long TotalBytes, double BytesPerSecond);
