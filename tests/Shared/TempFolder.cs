namespace ClipSharp.Tests;

/// <summary>A fresh folder under the system temp folder (<c>clipsharp-test-*</c>), deleted with its contents on dispose.</summary>
internal sealed class TempFolder : IDisposable
{
    public TempFolder() => Root = Directory.CreateTempSubdirectory("clipsharp-test-").FullName;

    public string Root { get; }

    public string Sub(params string[] parts) => Path.Combine([Root, .. parts]);

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // A file still open (a native handle released late) must not fail the test that owned the folder.
        }
    }
}
