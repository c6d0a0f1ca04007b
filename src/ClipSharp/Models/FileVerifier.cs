using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Models;

/// <summary>
/// Checks files against the checksums the hub publishes: SHA-256 for LFS files (64 hex digits), the git blob SHA-1
/// (<c>sha1("blob {size}\0" + content)</c>, 40 hex digits) for the others. Hashing reads asynchronously and stops at
/// the next block when cancelled.
/// </summary>
internal static class FileVerifier
{
    private const int BufferSize = 1 << 20;

    /// <summary>True for a checksum this verifier understands (40 or 64 lower-case hex digits).</summary>
    public static bool IsKnownHash(string hash) => hash.Length is 40 or 64 && hash.All(c => char.IsAsciiDigit(c) || c is >= 'a' and <= 'f');

    /// <summary>The name of a checksum's algorithm as the model manifest records it.</summary>
    public static string AlgorithmName(string hash) => hash.Length == 64 ? "sha256" : "git_sha1";

    /// <summary>The checksum of <paramref name="path"/> computed the way <paramref name="expectedHash"/> was.</summary>
    public static async Task<string> HashAsync(string path, string expectedHash, CancellationToken cancellationToken)
    {
        await using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.Asynchronous | FileOptions.SequentialScan);
        using var hash = expectedHash.Length == 64
            ? IncrementalHash.CreateHash(HashAlgorithmName.SHA256)
            : IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
        if (expectedHash.Length != 64)
        {
            hash.AppendData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {stream.Length}\0")));
        }

        byte[] buffer = new byte[BufferSize];
        int read;
        while ((read = await stream.ReadAsync(buffer, cancellationToken).ConfigureAwait(false)) > 0)
        {
            hash.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>True when the file exists and has the expected checksum.</summary>
    public static async Task<bool> MatchesAsync(string path, string expectedHash, CancellationToken cancellationToken)
    {
        try
        {
            return string.Equals(await HashAsync(path, expectedHash, cancellationToken).ConfigureAwait(false), expectedHash, StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
