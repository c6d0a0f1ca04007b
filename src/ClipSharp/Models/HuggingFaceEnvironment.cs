using System.Globalization;
using System.Text.RegularExpressions;

namespace ClipSharp.Models;

/// <summary>
/// The environment variables of <c>huggingface_hub</c>, read with its rules (its <c>constants.py</c> and
/// <c>utils/_auth.py</c>): booleans are true for 1, ON, YES or TRUE in any case; <c>HF_HUB_OFFLINE</c> wins over
/// <c>TRANSFORMERS_OFFLINE</c> when set at all; paths expand <c>~</c> and <c>$VAR</c>; tokens lose line breaks and
/// surrounding spaces, and an empty token is no token.
/// </summary>
internal sealed partial class HuggingFaceEnvironment(Func<string, string?> getVariable)
{
    /// <summary>huggingface_hub's DEFAULT_ETAG_TIMEOUT and DEFAULT_DOWNLOAD_TIMEOUT.</summary>
    public const int DefaultTimeoutSeconds = 10;

    private static readonly string[] s_trueValues = ["1", "ON", "YES", "TRUE"];

    public string Endpoint()
    {
        string? endpoint = Value("HF_ENDPOINT");
        return endpoint is null ? ModelHubOptions.DefaultEndpoint : endpoint.Trim().TrimEnd('/');
    }

    public bool Offline() => IsTrue(Value("HF_HUB_OFFLINE") ?? Value("TRANSFORMERS_OFFLINE"));

    /// <summary>HF_TOKEN (or HUGGING_FACE_HUB_TOKEN), else the token file; null when neither has one.</summary>
    public string? Token()
    {
        string? token = CleanToken(Value("HF_TOKEN") ?? Value("HUGGING_FACE_HUB_TOKEN"));
        if (token is not null)
        {
            return token;
        }

        string path = TokenPath();
        try
        {
            return CleanToken(File.ReadAllText(path));
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput,
                $"cannot read the Hugging Face token file ({ex.Message}); fix its permissions, or set HF_TOKEN or HF_TOKEN_PATH", path, ex);
        }
    }

    /// <summary>HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface.</summary>
    public string Home() => Expand(Value("HF_HOME") ?? Path.Combine(Value("XDG_CACHE_HOME") ?? UserCache(), "huggingface"));

    public string TokenPath() => Expand(Value("HF_TOKEN_PATH") ?? Path.Combine(Home(), "token"));

    /// <summary>HF_HUB_CACHE, else the legacy HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub.</summary>
    public string HubCacheDirectory() => Expand(Value("HF_HUB_CACHE") ?? Value("HUGGINGFACE_HUB_CACHE") ?? Path.Combine(Home(), "hub"));

    /// <summary>A positive number of seconds from a variable, or null when it is not set (huggingface_hub: 0 means the default).</summary>
    public TimeSpan? Seconds(string name)
    {
        string? text = Value(name);
        if (text is null)
        {
            return null;
        }

        if (!double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out double seconds) || seconds < 0 || double.IsInfinity(seconds))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidInput, $"{name} must be a number of seconds, got '{text}'");
        }

        return seconds == 0 ? null : TimeSpan.FromSeconds(seconds);
    }

    /// <summary>CLIPSHARP_HOME, else $XDG_CACHE_HOME/clipsharp, else ~/.cache/clipsharp.</summary>
    public static string ClipSharpCacheDirectory(Func<string, string?> getVariable)
    {
        string? home = NullIfBlank(getVariable("CLIPSHARP_HOME"));
        if (home is not null)
        {
            return Path.GetFullPath(home);
        }

        return Path.Combine(NullIfBlank(getVariable("XDG_CACHE_HOME")) ?? UserCache(), "clipsharp");
    }

    public static bool IsTrue(string? value) => value is not null && s_trueValues.Contains(value.ToUpperInvariant(), StringComparer.Ordinal);

    /// <summary>
    /// huggingface_hub's <c>_clean_token</c>: line breaks removed (Docker and Kubernetes secret files end with one),
    /// surrounding white space trimmed, empty means none.
    /// </summary>
    public static string? CleanToken(string? token)
    {
        if (token is null)
        {
            return null;
        }

        string cleaned = token.Replace("\r", "", StringComparison.Ordinal).Replace("\n", "", StringComparison.Ordinal).Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }

    private string? Value(string name) => NullIfBlank(getVariable(name));

    /// <summary>Expands a leading <c>~</c> and <c>$VAR</c> / <c>${VAR}</c> (unset variables stay as written, as in Python's expandvars).</summary>
    private string Expand(string path)
    {
        string expanded = VariablePattern().Replace(path, m =>
        {
            string name = m.Groups[1].Success ? m.Groups[1].Value : m.Groups[2].Value;
            return getVariable(name) ?? m.Value;
        });
        if (expanded == "~" || expanded.StartsWith("~/", StringComparison.Ordinal) || expanded.StartsWith("~" + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            expanded = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) + expanded[1..];
        }

        return Path.GetFullPath(expanded);
    }

    private static string UserCache() => Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache");

    private static string? NullIfBlank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;

    [GeneratedRegex(@"\$\{(\w+)\}|\$(\w+)", RegexOptions.CultureInvariant)]
    private static partial Regex VariablePattern();

    /// <summary>The token as an HTTP header value, or a one-line error that does not repeat the token.</summary>
    public static string HeaderSafeToken(string token)
    {
        for (int i = 0; i < token.Length; i++)
        {
            char c = token[i];
            if (c < 0x20 || c > 0x7E)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidInput, string.Create(CultureInfo.InvariantCulture,
                    $"the Hugging Face token has a character that cannot be sent in an HTTP header (U+{(int)c:X4} at position {i + 1}); check HF_TOKEN or the token file"));
            }
        }

        return "Bearer " + token;
    }
}
