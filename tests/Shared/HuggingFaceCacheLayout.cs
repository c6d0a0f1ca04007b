using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Tests;

/// <summary>
/// Writes a model folder into a folder in huggingface_hub's cache layout, as <c>hf_hub_download</c> leaves it:
/// <c>models--{owner}--{name}/blobs/{etag}</c> (SHA-256 for *.onnx, the LFS files, git blob SHA-1 for the others),
/// <c>snapshots/{commit}/{path}</c> as relative symbolic links to the blobs, and <c>refs/main</c> holding the commit.
/// </summary>
internal static class HuggingFaceCacheLayout
{
    /// <summary>Creates the layout under <paramref name="hubCache"/> and returns the repository folder.</summary>
    public static string Write(string hubCache, string repository, string commit, string modelFolder, IEnumerable<string> files)
    {
        string repo = Path.Combine(hubCache, "models--" + repository.Replace("/", "--", StringComparison.Ordinal));
        Directory.CreateDirectory(Path.Combine(repo, "blobs"));
        Directory.CreateDirectory(Path.Combine(repo, "refs"));
        File.WriteAllText(Path.Combine(repo, "refs", "main"), commit);
        foreach (string file in files)
        {
            byte[] data = File.ReadAllBytes(Path.Combine(modelFolder, file));
            string etag = file.EndsWith(".onnx", StringComparison.Ordinal) ? Convert.ToHexStringLower(SHA256.HashData(data)) : GitBlobSha1(data);
            File.WriteAllBytes(Path.Combine(repo, "blobs", etag), data);
            string link = Path.Combine([repo, "snapshots", commit, .. file.Split('/')]);
            Directory.CreateDirectory(Path.GetDirectoryName(link)!);
            string up = string.Concat(Enumerable.Repeat("../", file.Count(c => c == '/') + 2));
            File.CreateSymbolicLink(link, up + "blobs/" + etag);
        }

        return repo;
    }

    public static string GitBlobSha1(byte[] data)
    {
        byte[] header = Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {data.Length}\0"));
        return Convert.ToHexStringLower(SHA1.HashData([.. header, .. data]));
    }
}
