using System.Security.Cryptography;
using System.Text.Json;

namespace ClipSharp;

/// <summary>
/// The <c>entry.json</c> of an <see cref="OptimizedModelCache"/> entry, written last: what the entry was made from and the
/// size and a hash of each of its files, so an entry that does not match it is detected and rebuilt.
/// </summary>
/// <param name="Format">The cache format (<see cref="OptimizedModelCache.FormatVersion"/>) the entry was written in.</param>
/// <param name="Source">The source model as the location names it (<see cref="OptimizedModelCacheLocation.SourceId"/>).</param>
/// <param name="Stamp">The source's <see cref="ModelFileStamp"/> when the entry was written.</param>
/// <param name="Environment">ONNX Runtime's version and the processor's instruction set.</param>
/// <param name="GraphSize">Bytes of the optimised graph.</param>
/// <param name="GraphSha256">SHA-256 of the optimised graph.</param>
/// <param name="DataSize">Bytes of the weights file, or -1 when there is none.</param>
/// <param name="DataSampleSha256">The weights file's <see cref="ModelFileStamp.SampleHash"/>, or empty.</param>
internal sealed record OptimizedModelManifest(int Format, string Source, string Stamp, string Environment, long GraphSize, string GraphSha256,
    long DataSize, string DataSampleSha256)
{
    private static readonly JsonSerializerOptions s_json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        WriteIndented = true,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
    };

    /// <summary>Writes the manifest of the entry files in <paramref name="dir"/>.</summary>
    public static void Write(string dir, string sourceId, string stamp)
    {
        string graph = Path.Combine(dir, OptimizedModelCache.GraphFileName);
        string data = Path.Combine(dir, OptimizedModelCache.DataFileName);
        long dataSize = File.Exists(data) ? new FileInfo(data).Length : -1;
        var manifest = new OptimizedModelManifest(OptimizedModelCache.FormatVersion, sourceId, stamp, OptimizedModelCache.EnvironmentKey,
            new FileInfo(graph).Length, GraphHash(graph), dataSize, dataSize >= 0 ? ModelFileStamp.SampleHash(data, dataSize) : "");
        File.WriteAllBytes(Path.Combine(dir, OptimizedModelCache.ManifestFileName), JsonSerializer.SerializeToUtf8Bytes(manifest, s_json));
    }

    /// <summary>The manifest of the entry in <paramref name="dir"/>, or null when it is missing or unreadable.</summary>
    public static OptimizedModelManifest? Read(string dir)
    {
        try
        {
            return JsonSerializer.Deserialize<OptimizedModelManifest>(File.ReadAllBytes(Path.Combine(dir, OptimizedModelCache.ManifestFileName)), s_json);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or NotSupportedException)
        {
            return null;
        }
    }

    /// <summary>True when the entry's files are there with the sizes and hashes its manifest records.</summary>
    public static bool IsComplete(string entry)
    {
        if (Read(entry) is not { Format: OptimizedModelCache.FormatVersion } manifest)
        {
            return false;
        }

        try
        {
            string graph = Path.Combine(entry, OptimizedModelCache.GraphFileName);
            string data = Path.Combine(entry, OptimizedModelCache.DataFileName);
            var graphInfo = new FileInfo(graph);
            if (!graphInfo.Exists || graphInfo.Length != manifest.GraphSize
                || GraphHash(graph) != manifest.GraphSha256)
            {
                return false;
            }

            var dataInfo = new FileInfo(data);
            long dataSize = dataInfo.Exists ? dataInfo.Length : -1;
            return dataSize == manifest.DataSize && (dataSize < 0 || ModelFileStamp.SampleHash(data, dataSize) == manifest.DataSampleSha256);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static string GraphHash(string graph) => Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(graph)));
}
