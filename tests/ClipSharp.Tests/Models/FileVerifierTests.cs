using System.Security.Cryptography;
using System.Text;
using ClipSharp.Models;
using Xunit;

namespace ClipSharp.Tests.Models;

/// <summary>Checksums as the hub publishes them, computed asynchronously and cancellably.</summary>
public sealed class FileVerifierTests : IDisposable
{
    private readonly string _file = Path.Combine(Path.GetTempPath(), $"clipsharp-verify-{Guid.NewGuid():N}");

    public void Dispose() => File.Delete(_file);

    [Fact]
    public async Task HashAsync_Sha256OrSha1Checksum_HashesTheLfsWayOrTheGitBlobWay()
    {
        File.WriteAllText(_file, "hello\n");

        string sha256 = Convert.ToHexStringLower(SHA256.HashData(Encoding.ASCII.GetBytes("hello\n")));
        Assert.Equal(sha256, await FileVerifier.HashAsync(_file, sha256, CancellationToken.None));
        // `git hash-object` of "hello\n".
        Assert.Equal("ce013625030ba8dba906f756967f9e9ca394464a", await FileVerifier.HashAsync(_file, new string('0', 40), CancellationToken.None));
    }

    [Fact]
    public async Task HashAsync_Cancelled_StopsWithOperationCanceled()
    {
        File.WriteAllBytes(_file, new byte[4 << 20]);
        using var cancelled = new CancellationTokenSource();
        await cancelled.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => FileVerifier.HashAsync(_file, new string('0', 64), cancelled.Token));
    }
}
