using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClipSharp.Text;

namespace ClipSharp;

/// <summary>
/// Computes <see cref="ClipModel.ContentId"/>: SHA-256 over a list of entries, one per file that defines the model's
/// embeddings (role, name inside its role, length and SHA-256 of every byte) plus the tokenizer's effective settings
/// and <see cref="Version"/>. Paths appear only as the file's own name under a fixed role, never as the folder's name
/// or location; file times and caches (<c>.clipsharp-cache</c>, anything else in the folder) never enter.
/// </summary>
internal static class ModelContentId
{
    /// <summary>Bump when what enters the id changes (every index then re-embeds once).</summary>
    internal const string Version = "clipsharp-model-content-1";

    private const int BufferSize = 1 << 20;

    /// <summary>The content id of <paramref name="folder"/> as loaded with <paramref name="tokenizer"/>: 64 lower-case hex digits.</summary>
    /// <exception cref="ClipSharpException">A file could not be read (kind <see cref="ClipErrorKind.Io"/>, naming it).</exception>
    public static string Compute(ModelFolder folder, ClipTokenizer tokenizer)
    {
        using var id = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        Append(id, "version", Version);
        AddModelFile(id, "visual", folder.VisualModel);
        AddModelFile(id, "textual", folder.TextModel);
        foreach (string file in tokenizer.SourceFiles)
        {
            AddFile(id, "tokenizer", file);
        }

        Append(id, "tokenizer-settings", string.Create(CultureInfo.InvariantCulture, $"context={tokenizer.ContextLength};pad={tokenizer.PadId}"));
        AddFile(id, "preprocess", folder.PreprocessConfig);
        if (folder.ConfigJson is not null)
        {
            AddFile(id, "config", folder.ConfigJson);
        }

        return Convert.ToHexStringLower(id.GetHashAndReset());
    }

    /// <summary>
    /// An ONNX file and its external-data files: by the exporters' convention those sit beside it and are named after
    /// it (<c>model.onnx_data</c>, <c>model.onnx.data</c>, …), which is also how ONNX Runtime finds them.
    /// </summary>
    private static void AddModelFile(IncrementalHash id, string role, string path)
    {
        AddFile(id, role, path);
        string name = Path.GetFileName(path);
        foreach (string extra in Directory.EnumerateFiles(Path.GetDirectoryName(path)!, name + "*").Order(StringComparer.Ordinal))
        {
            if (!string.Equals(extra, path, StringComparison.Ordinal))
            {
                AddFile(id, role + "-data", extra);
            }
        }
    }

    private static void AddFile(IncrementalHash id, string role, string path)
    {
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.SequentialScan);
            using var content = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            byte[] buffer = new byte[BufferSize];
            long length = 0;
            int n;
            while ((n = file.Read(buffer)) > 0)
            {
                content.AppendData(buffer, 0, n);
                length += n;
            }

            // One entry per file: role, its own name, length and content hash (so entries cannot run into each other).
            Append(id, role, string.Create(CultureInfo.InvariantCulture,
                $"{Path.GetFileName(path)}:{length}:{Convert.ToHexStringLower(content.GetHashAndReset())}"));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new ClipSharpException(ClipErrorKind.Io, "cannot read the model file to identify the model: " + ex.Message, path, ex);
        }
    }

    private static void Append(IncrementalHash id, string role, string value)
        => id.AppendData(Encoding.UTF8.GetBytes(role + "=" + value + "\n"));
}
