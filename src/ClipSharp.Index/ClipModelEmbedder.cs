using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp.Index;

/// <summary>Embeds with a <see cref="ClipModel"/>; its ids fingerprint the model folder's files.</summary>
public sealed class ClipModelEmbedder : IClipEmbedder
{
    /// <summary>Bump when ClipSharp's decoding or preprocessing changes the pixels it feeds the model.</summary>
    private const string PipelineVersion = "clipsharp-preprocess-1;exif-orientation";

    private readonly ClipModel _model;

    /// <summary>Wraps <paramref name="model"/> (not owned: the caller disposes it).</summary>
    public ClipModelEmbedder(ClipModel model, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        PreferredBatchSize = batchSize;
        (ModelId, PreprocessFingerprint) = Fingerprint(model);
    }

    /// <inheritdoc/>
    public string ModelId { get; }

    /// <inheritdoc/>
    public string PreprocessFingerprint { get; }

    /// <inheritdoc/>
    public int Dimension => _model.EmbeddingDimension;

    /// <inheritdoc/>
    public int PreferredBatchSize { get; }

    /// <summary>The model folder.</summary>
    public string ModelFolder => _model.Folder;

    /// <inheritdoc/>
    public IReadOnlyList<ImageEmbeddingResult> EmbedImageFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
        => _model.EncodeImageFiles(paths, cancellationToken).ToList();

    /// <inheritdoc/>
    public IReadOnlyList<float[]> EmbedTexts(IReadOnlyList<string> texts) => _model.EncodeTexts(texts);

    /// <summary>
    /// Model id: the folder name and a hash of every file's relative path and size plus the first and last MiB of
    /// the ONNX files and all of the small configuration files. Preprocessing: a hash of the preprocessing
    /// configuration files (preprocess_cfg.json, preprocessor_config.json) and config.json, the input size and
    /// ClipSharp's pipeline version.
    /// </summary>
    private static (string ModelId, string Preprocess) Fingerprint(ClipModel model)
    {
        using var weights = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var preprocess = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        preprocess.AppendData(Encoding.UTF8.GetBytes(PipelineVersion + ";size=" + model.ImageSize.ToString(CultureInfo.InvariantCulture)));
        foreach (string file in Directory.EnumerateFiles(model.Folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var info = new FileInfo(file);
            string relative = Path.GetRelativePath(model.Folder, file);
            weights.AppendData(Encoding.UTF8.GetBytes(relative + ":" + info.Length.ToString(CultureInfo.InvariantCulture) + ";"));
            using var stream = File.OpenRead(file);
            if (file.EndsWith(".json", StringComparison.OrdinalIgnoreCase) && info.Length < (4 << 20))
            {
                byte[] all = new byte[info.Length];
                stream.ReadExactly(all);
                weights.AppendData(all);
                if (Path.GetFileName(relative).Contains("preprocess", StringComparison.OrdinalIgnoreCase) || relative == "config.json")
                {
                    preprocess.AppendData(Encoding.UTF8.GetBytes(relative));
                    preprocess.AppendData(all);
                }
            }
            else if (file.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) || file.EndsWith(".onnx_data", StringComparison.OrdinalIgnoreCase))
            {
                byte[] head = new byte[(int)Math.Min(info.Length, 1 << 20)];
                stream.ReadExactly(head);
                weights.AppendData(head);
                if (info.Length > head.Length)
                {
                    stream.Seek(-Math.Min(info.Length - head.Length, 1 << 20), SeekOrigin.End);
                    byte[] tail = new byte[(int)(info.Length - stream.Position)];
                    stream.ReadExactly(tail);
                    weights.AppendData(tail);
                }
            }
        }

        string name = Path.GetFileName(Path.TrimEndingDirectorySeparator(model.Folder));
        return (name + "@" + Convert.ToHexStringLower(weights.GetHashAndReset())[..16], Convert.ToHexStringLower(preprocess.GetHashAndReset())[..16]);
    }
}
