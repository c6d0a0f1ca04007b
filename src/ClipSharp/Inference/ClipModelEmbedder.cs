using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using ClipSharp.Imaging;

namespace ClipSharp;

/// <summary>
/// Embeds with a <see cref="ClipModel"/>; its model id is the model's content id (<see cref="ClipModel.ContentId"/>:
/// never the folder's name or location, file times or caches), and <see cref="IsFormerModelId"/> recognises the ids
/// older releases wrote, so an index can adopt the new id without re-embedding. Large JPEGs are decoded at a
/// reduced scale inside the DCT by default (<see cref="FastJpegDecode"/>: about 3× less decode time; embedding cosine
/// to the exact decode mean 0.9999, worst 0.9989 on camera photos); the decode mode is part of <see cref="PreprocessFingerprint"/>, so an index
/// never mixes vectors of the two modes. The server embeds uploads with the exact decode (<c>fastJpegDecode: false</c>),
/// so its answers match the reference pipeline.
/// </summary>
public sealed class ClipModelEmbedder : IClipEmbedder, IDisposable
{
    /// <summary>Bump when ClipSharp's decoding or preprocessing changes the pixels it feeds the model.</summary>
    private const string PipelineVersion = "clipsharp-preprocess-1;exif-orientation";

    /// <summary>Starts every model id this embedder gives: the id is the model's <see cref="ClipModel.ContentId"/> (its first 128 bits).</summary>
    internal const string ContentIdPrefix = "content:";

    /// <summary>Added to the fingerprint of the fast JPEG decode (the exact one keeps the fingerprint it always had).</summary>
    private const string FastJpegMarker = ";jpeg-dct-scaled-min-side=2x";

    private readonly ClipModel _model;
    private readonly bool _ownsModel;
    private readonly string _exactFingerprint;
    private readonly string _fastFingerprint;

    /// <summary>
    /// Wraps <paramref name="model"/>, disposing it with this embedder only when <paramref name="ownsModel"/> is true
    /// (default: the caller disposes it). <paramref name="fastJpegDecode"/> (default true) decodes large JPEGs at a
    /// reduced scale inside the DCT whatever the model's own options say; false decodes exactly as the reference pipeline does.
    /// </summary>
    public ClipModelEmbedder(ClipModel model, int batchSize = 16, bool fastJpegDecode = true, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        _model = model;
        _ownsModel = ownsModel;
        PreferredBatchSize = batchSize;
        FastJpegDecode = fastJpegDecode;
        (_exactFingerprint, _fastFingerprint) = Fingerprint(model);
    }

    private ClipModelEmbedder(ClipModelEmbedder other, bool fastJpegDecode)
    {
        _model = other._model;
        PreferredBatchSize = other.PreferredBatchSize;
        _exactFingerprint = other._exactFingerprint;
        _fastFingerprint = other._fastFingerprint;
        FastJpegDecode = fastJpegDecode;
    }

    /// <summary>Whether large JPEGs are decoded at a reduced scale inside the DCT (true) or exactly (false).</summary>
    public bool FastJpegDecode { get; }

    /// <summary><c>content:</c> and the first 32 hex digits of the model's <see cref="ClipModel.ContentId"/>.</summary>
    /// <remarks>Computed on first use (hashing the model's files), so a server that never asks does not pay for it.</remarks>
    public string ModelId => ContentIdPrefix + _model.ContentId[..32];

    /// <inheritdoc/>
    public string PreprocessFingerprint => FastJpegDecode ? _fastFingerprint : _exactFingerprint;

    /// <inheritdoc/>
    public int Dimension => _model.EmbeddingDimension;

    /// <inheritdoc/>
    public int PreferredBatchSize { get; }

    /// <summary>The model folder.</summary>
    public string ModelFolder => _model.Folder;

    /// <summary>The wrapped model.</summary>
    public ClipModel Model => _model;

    /// <inheritdoc/>
    public string ModelName => _model.Name;

    /// <inheritdoc/>
    public float LogitScale => _model.LogitScale;

    /// <inheritdoc/>
    public int PixelsPerImage => 3 * _model.ImageSize * _model.ImageSize;

    /// <inheritdoc/>
    public DecodeMemoryBudget DecodeMemory => _model.DecodeMemory;

    /// <summary>
    /// True when <paramref name="modelId"/> has the form of the ids releases before content ids wrote
    /// (<c>{name}@{16 hex}</c>): the only ids an index adopts a new id in place of.
    /// </summary>
    public static bool HasFormerIdForm(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return LegacyModelId.IsLegacy(modelId);
    }

    /// <summary>The same model and batch size with the other decode mode (the model's files are not fingerprinted again; the copy never owns the model).</summary>
    public ClipModelEmbedder WithFastJpegDecode(bool fastJpegDecode)
        => fastJpegDecode == FastJpegDecode ? this : new ClipModelEmbedder(this, fastJpegDecode);

    /// <summary>
    /// The embedder for query images against an index whose vectors have <paramref name="preprocessFingerprint"/>: the
    /// decode mode with that fingerprint, so an image that is also in the index gets exactly its stored vector; the exact
    /// decode when the fingerprint is neither mode's (another preprocessing) or null (no index metadata yet).
    /// </summary>
    public ClipModelEmbedder ForPreprocessFingerprint(string? preprocessFingerprint)
        => WithFastJpegDecode(preprocessFingerprint is not null && preprocessFingerprint == _fastFingerprint);

    /// <inheritdoc/>
    public void Warm() => _model.Warm();

    /// <inheritdoc/>
    public IReadOnlyList<ImageEmbeddingResult> EmbedImageFiles(IReadOnlyList<string> paths, CancellationToken cancellationToken = default)
        => _model.EncodeImageFiles(paths, FastJpegDecode, cancellationToken).ToList();

    /// <inheritdoc/>
    public void EmbedTexts(IReadOnlyList<string> texts, Span<float> destination)
    {
        float[][] vectors = _model.EncodeTexts(texts);
        int dim = Dimension;
        for (int i = 0; i < vectors.Length; i++)
        {
            vectors[i].CopyTo(destination.Slice(i * dim, dim));
        }
    }

    /// <inheritdoc/>
    public long EstimateDecodeBytes(ReadOnlySpan<byte> data, string? name, long maxPixels)
        => _model.EstimateImageMemory(data, name, DecodeOptions(maxPixels));

    /// <inheritdoc/>
    public void Preprocess(ReadOnlySpan<byte> data, string? name, long maxPixels, Span<float> destination)
        => _model.PreprocessEncoded(data, name, DecodeOptions(maxPixels), destination);

    /// <inheritdoc/>
    public void EmbedPixels(ReadOnlySpan<float> pixels, int count, Span<float> destination) => _model.EncodePixels(pixels, count, destination);

    /// <summary>Disposes the model when this embedder owns it.</summary>
    public void Dispose()
    {
        if (_ownsModel)
        {
            _model.Dispose();
        }
    }

    /// <summary>EXIF-oriented decode of uploaded bytes, in this embedder's JPEG mode (the fast one keeps at least twice the input size, as for files).</summary>
    private ImageDecodeOptions DecodeOptions(long maxPixels)
        => new() { MaxPixels = maxPixels, ApplyExifOrientation = true, JpegScaledDecodeMinSide = FastJpegDecode ? 2 * _model.ImageSize : 0 };

    /// <summary>
    /// True when <paramref name="modelId"/> is the id a ClipSharp before content ids gave this model's folder
    /// (<c>{name}@{hash of the folder's files}</c>, the rule in <see cref="LegacyModelId"/>). Reads the model folder.
    /// </summary>
    public bool IsFormerModelId(string modelId)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return LegacyModelId.Matches(modelId, _model.Folder);
    }

    /// <summary>
    /// Preprocessing: a hash of ClipSharp's pipeline version, the input size, the preprocessing configuration files
    /// (any JSON under 4 MiB with "preprocess" in its name) and config.json, with their relative paths, and for the fast
    /// JPEG decode a marker (so exact indexes built before the fast decode existed keep their fingerprint). The
    /// optimised-model cache is skipped (it holds no such file, and a cache is never identity).
    /// </summary>
    private static (string Exact, string Fast) Fingerprint(ClipModel model)
    {
        using var preprocess = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var fast = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        string size = ";size=" + model.ImageSize.ToString(CultureInfo.InvariantCulture);
        preprocess.AppendData(Encoding.UTF8.GetBytes(PipelineVersion + size));
        fast.AppendData(Encoding.UTF8.GetBytes(PipelineVersion + FastJpegMarker + size));
        foreach (string file in Directory.EnumerateFiles(model.Folder, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            string relative = Path.GetRelativePath(model.Folder, file);
            if (!file.EndsWith(".json", StringComparison.OrdinalIgnoreCase)
                || relative.Split(Path.DirectorySeparatorChar).Contains(LegacyModelId.CacheFolderName)
                || !(Path.GetFileName(relative).Contains("preprocess", StringComparison.OrdinalIgnoreCase) || relative == "config.json"))
            {
                continue;
            }

            var info = new FileInfo(file);
            if (info.Length >= (4 << 20))
            {
                continue;
            }

            byte[] all = File.ReadAllBytes(file);
            preprocess.AppendData(Encoding.UTF8.GetBytes(relative));
            preprocess.AppendData(all);
            fast.AppendData(Encoding.UTF8.GetBytes(relative));
            fast.AppendData(all);
        }

        return (Convert.ToHexStringLower(preprocess.GetHashAndReset())[..16], Convert.ToHexStringLower(fast.GetHashAndReset())[..16]);
    }
}
