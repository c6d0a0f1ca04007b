using System.Text.Json;
using ClipSharp.Imaging;
using ClipSharp.Text;

namespace ClipSharp;

/// <summary>
/// A CLIP model loaded from a folder in one of the public ONNX layouts (<see cref="ModelLayout"/>): its tokenizer,
/// its image preprocessing (both read from the folder's own files) and one ONNX Runtime session per tower, each
/// created on first use. Embeddings are always L2-normalised. Thread-safe; dispose to release the sessions.
/// </summary>
public sealed class ClipModel : IDisposable
{
    private readonly ModelFolder _folder;
    private readonly OnnxTower _vision;
    private readonly OnnxTower _text;
    private readonly ClipModelOptions _options;
    private readonly int? _declaredDimension;
    private readonly ImageDecodeOptions _fileDecode;
    private readonly ImageDecodeOptions _defaultDecode;
    private readonly ImageDecodeOptions _pipelineDecode;
    private readonly ImageDecodeOptions _pipelineDecodeExact;
    private readonly ImageDecodeOptions _pipelineDecodeFast;

    private readonly Task? _warming;
    private readonly Lazy<string> _contentId;

    private ClipModel(ModelFolder folder, ClipModelOptions options, ClipTokenizer tokenizer, ImagePreprocessor preprocessor, float logitScale, int? declaredDimension,
        OnnxTower vision, OnnxTower text, Task? warming)
    {
        _folder = folder;
        _options = options;
        Tokenizer = tokenizer;
        Preprocessor = preprocessor;
        LogitScale = logitScale;
        _declaredDimension = declaredDimension;
        _defaultDecode = options.Decode ?? new ImageDecodeOptions();
        _fileDecode = _defaultDecode.With(
            options.FastJpegDecode ? 2 * preprocessor.Config.Size : _defaultDecode.JpegScaledDecodeMinSide, releasablePixels: true);
        _pipelineDecode = _fileDecode;
        _pipelineDecodeExact = _defaultDecode.With(0, releasablePixels: true);
        _pipelineDecodeFast = _defaultDecode.With(2 * preprocessor.Config.Size, releasablePixels: true);
        DecodeMemory = options.DecodeMemory ?? DecodeMemoryBudget.Shared;
        _vision = vision;
        _text = text;
        _warming = warming;
        _contentId = new Lazy<string>(() => ModelContentId.Compute(folder, tokenizer), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>
    /// Opens a model folder: checks its layout and files, loads the tokenizer and preprocessing configuration.
    /// The ONNX sessions are created on first use (or by <see cref="Warm"/>), or from the start in the background with
    /// <see cref="ClipModelOptions.WarmInBackground"/>.
    /// </summary>
    /// <exception cref="ClipSharpException">The folder is missing, of no known layout, or incomplete; the message says what was expected and what was found.</exception>
    public static ClipModel Load(string folder, ClipModelOptions? options = null)
    {
        options ??= new ClipModelOptions();
        if (options.MaxBatchSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), "MaxBatchSize must be at least 1.");
        }

        var resolved = ModelFolder.Resolve(folder, options.Variant);
        var vision = new OnnxTower(resolved.VisualModel, isText: false, options);
        var text = new OnnxTower(resolved.TextModel, isText: true, options);
        // Both sessions load while the tokenizer and the configuration are read (cold start of a command line).
        Task? warming = options.WarmInBackground ? Task.WhenAll(Task.Run(vision.Warm), Task.Run(text.Warm)) : null;
        try
        {
            ClipTokenizer tokenizer;
            try
            {
                tokenizer = ClipTokenizer.Load(resolved.TokenizerPath, options.Tokenizer);
            }
            catch (ClipSharpException ex)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, "bad tokenizer: " + ex.Message, folder, ex);
            }

            PreprocessConfig config = resolved.Layout == ModelLayout.OpenClip
                ? PreprocessConfig.LoadOpenClip(resolved.PreprocessConfig)
                : PreprocessConfig.LoadHuggingFace(resolved.PreprocessConfig);
            float scale = options.LogitScale ?? resolved.ReadLogitScale() ?? 100f;
            if (!float.IsFinite(scale) || scale <= 0)
            {
                throw new ArgumentOutOfRangeException(nameof(options), "LogitScale must be a positive finite number.");
            }

            return new ClipModel(resolved, options, tokenizer, ImagePreprocessor.Create(config), scale, ReadDeclaredDimension(resolved), vision, text, warming);
        }
        catch
        {
            Release(vision, text, warming);
            throw;
        }
    }

    /// <summary>The model folder (full path).</summary>
    public string Folder => _folder.Root;

    /// <summary>The folder's name, used as the model's display name.</summary>
    public string Name => Path.GetFileName(_folder.Root.TrimEnd(Path.DirectorySeparatorChar));

    /// <summary>
    /// Identifies what defines this model's embeddings, from content only: SHA-256 (64 lower-case hex digits) over
    /// every byte of its two ONNX files and their external-data files, its tokenizer files and settings (context
    /// length, padding id), its preprocessing configuration and config.json, and the version of this scheme. The
    /// folder's name and location, file times and caches (such as the optimised-model cache written beside the ONNX
    /// files) never enter it: moving, renaming or copying the folder leaves it unchanged; changing one byte of a weight,
    /// the tokenizer or the preprocessing changes it. Computed on first use (reads the model files once, at disk
    /// speed) and then kept.
    /// </summary>
    /// <exception cref="ClipSharpException">A model file can no longer be read (kind <see cref="ClipErrorKind.Io"/>).</exception>
    public string ContentId => _contentId.Value;

    /// <summary>The export layout of the folder.</summary>
    public ModelLayout Layout => _folder.Layout;

    /// <summary>The tokenizer read from the model folder.</summary>
    public ClipTokenizer Tokenizer { get; }

    /// <summary>The image preprocessing read from the model folder.</summary>
    public ImagePreprocessor Preprocessor { get; }

    /// <summary>Side of the square model input in pixels.</summary>
    public int ImageSize => Preprocessor.Config.Size;

    /// <summary>The scale applied to cosine similarities before the softmax (100 for OpenAI's models).</summary>
    public float LogitScale { get; }

    /// <summary>The embedding width (from config.json when declared, else from the text tower's graph).</summary>
    public int EmbeddingDimension => _declaredDimension ?? _text.EmbeddingDimension;

    /// <summary>The budget this model's decodes reserve memory from (<see cref="ClipModelOptions.DecodeMemory"/>).</summary>
    public DecodeMemoryBudget DecodeMemory { get; }

    /// <summary>The ONNX file of the vision tower.</summary>
    public string VisionModelPath => _folder.VisualModel;

    /// <summary>The ONNX file of the text tower.</summary>
    public string TextModelPath => _folder.TextModel;

    /// <summary>The vision tower (tests inspect how its session was created).</summary>
    internal OnnxTower VisionTower => _vision;

    /// <summary>The text tower.</summary>
    internal OnnxTower TextTower => _text;

    /// <summary>The vision graph's input and output (creates the session).</summary>
    internal TowerInfo DescribeVisionTower() => _vision.Describe();

    /// <summary>The text graph's input and output (creates the session).</summary>
    internal TowerInfo DescribeTextTower() => _text.Describe();

    /// <summary>
    /// Creates both ONNX sessions now, concurrently (loading and optimising a graph is mostly single-threaded, so two
    /// towers load in about the time of the larger one), so the first request does not pay for it; checks their shapes.
    /// </summary>
    public void Warm()
    {
        if (_warming is not null)
        {
            // Rethrows the first tower's own exception (not an AggregateException) if one failed.
            _warming.GetAwaiter().GetResult();
            CheckShapes();
            return;
        }

        Task vision = Task.Run(_vision.Warm);
        try
        {
            _text.Warm();
        }
        finally
        {
            // Rethrows the vision tower's own exception (not an AggregateException) if it failed.
            vision.GetAwaiter().GetResult();
        }

        CheckShapes();
    }

    /// <summary>Embeds one text.</summary>
    public float[] EncodeText(string text) => EncodeTexts([text])[0];

    /// <summary>Embeds texts in batches; returns one L2-normalised vector per text, in order.</summary>
    public float[][] EncodeTexts(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        int ctx = Tokenizer.ContextLength;
        long[] ids = new long[texts.Count * ctx];
        int[] lengths = new int[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(texts[i], nameof(texts));
            Tokenizer.Tokenize(texts[i], ids.AsSpan(i * ctx, ctx), out lengths[i], out _);
        }

        float[] flat = new float[texts.Count * EmbeddingDimension];
        _text.RunTexts(ids, lengths, texts.Count, ctx, flat);
        return Split(flat, texts.Count);
    }

    /// <summary>
    /// Embeds already tokenized texts: <paramref name="ids"/> holds <paramref name="count"/> rows of
    /// <see cref="ClipTokenizer.ContextLength"/> ids each (as <see cref="ClipTokenizer.Tokenize(string)"/> makes them);
    /// writes [count, <see cref="EmbeddingDimension"/>] normalised embeddings.
    /// </summary>
    public void EncodeTokens(ReadOnlySpan<long> ids, int count, Span<float> embeddings)
    {
        int ctx = Tokenizer.ContextLength;
        CheckLengths(ids.Length, count * ctx, embeddings.Length, count);
        int[] lengths = new int[count];
        for (int i = 0; i < count; i++)
        {
            ReadOnlySpan<long> row = ids.Slice(i * ctx, ctx);
            int eot = row.IndexOf(Tokenizer.EndOfTextId);
            if (eot < 0)
            {
                throw new ArgumentException($"Row {i} has no end-of-text token ({Tokenizer.EndOfTextId}).", nameof(ids));
            }

            lengths[i] = eot + 1;
        }

        _text.RunTexts(ids, lengths, count, ctx, embeddings);
    }

    /// <summary>
    /// Decodes, preprocesses and embeds one image file, after reserving its decode's memory from
    /// <see cref="DecodeMemory"/> (waiting while other decodes hold it).
    /// </summary>
    /// <exception cref="ClipSharpException">The file cannot be read or decoded, or its decode alone needs more than the whole budget; the message names the file.</exception>
    public float[] EncodeImage(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        float[] pixels = new float[3 * ImageSize * ImageSize];
        PreprocessFile(path, _fileDecode, pixels);

        float[] embedding = new float[EmbeddingDimension];
        EncodePixels(pixels, 1, embedding);
        return embedding;
    }

    /// <summary>
    /// Estimates, from the header alone, the peak memory of decoding and preprocessing <paramref name="data"/> with
    /// <paramref name="options"/> (default: <see cref="ClipModelOptions.Decode"/>): the bytes to reserve from
    /// <see cref="DecodeMemory"/>. It covers the decoder's buffers that grow with the image (the encoded bytes twice,
    /// the decoded pixels and their RGB conversion, an EXIF-rotated copy, libjpeg-turbo's coefficient buffer for
    /// progressive JPEGs) and the resampler's working buffers; not fixed-size codec state (tens of kilobytes) nor the
    /// caller's float destination.
    /// </summary>
    /// <exception cref="ClipSharpException">The data is not an image, its header is corrupt, or it has more pixels than <see cref="ImageDecodeOptions.MaxPixels"/>; the message names <paramref name="name"/>.</exception>
    public long EstimateImageMemory(ReadOnlySpan<byte> data, string? name = null, ImageDecodeOptions? options = null)
    {
        try
        {
            (long decode, int w, int h, int channels) = DecodeMemoryEstimate.Estimate(data, options ?? _defaultDecode);
            return decode + Preprocessor.WorkingBytes(w, h, channels);
        }
        catch (ClipSharpException ex)
        {
            throw ex.Input is null ? ex.WithInput(name ?? "<image data>") : ex;
        }
        catch (Exception ex) when (ex is IndexOutOfRangeException or ArgumentException or InvalidOperationException or OverflowException)
        {
            throw new ClipSharpException(ClipErrorKind.CorruptImage, $"truncated or corrupt image ({ex.Message})", name ?? "<image data>", ex);
        }
    }

    /// <summary>
    /// Decodes encoded image bytes and writes the model input into <paramref name="destination"/> (3·S·S floats),
    /// freeing the decoded pixels at once. The caller reserves the memory first (<see cref="EstimateImageMemory"/> from
    /// <see cref="DecodeMemory"/>), as the server does. <paramref name="options"/> default to <see cref="ClipModelOptions.Decode"/>;
    /// a positive <see cref="ImageDecodeOptions.JpegScaledDecodeMinSide"/> there allows the scaled JPEG decode.
    /// </summary>
    /// <exception cref="ClipSharpException">Not an image, unsupported, corrupt, or over the pixel limit; the message names <paramref name="name"/>.</exception>
    public void PreprocessEncoded(ReadOnlySpan<byte> data, string? name, ImageDecodeOptions? options, Span<float> destination)
    {
        options ??= _defaultDecode;
        ImageDecodeOptions decode = options.ReleasablePixels ? options : options.With(options.JpegScaledDecodeMinSide, releasablePixels: true);
        ClipImage image = ImageDecoder.Decode(data, name, decode);
        try
        {
            Preprocessor.Preprocess(image, destination);
        }
        finally
        {
            ImageDecoder.ReleasePixels(image);
        }
    }

    /// <summary>Preprocesses and embeds one decoded image.</summary>
    public float[] EncodeImage(ClipImage image) => EncodeImages([image])[0];

    /// <summary>Preprocesses and embeds decoded images in batches; one normalised vector per image, in order.</summary>
    public float[][] EncodeImages(IReadOnlyList<ClipImage> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        int per = 3 * ImageSize * ImageSize;
        float[] pixels = new float[images.Count * per];
        for (int i = 0; i < images.Count; i++)
        {
            ArgumentNullException.ThrowIfNull(images[i], nameof(images));
            Preprocessor.Preprocess(images[i], pixels.AsSpan(i * per, per));
        }

        float[] flat = new float[images.Count * EmbeddingDimension];
        EncodePixels(pixels, images.Count, flat);
        return Split(flat, images.Count);
    }

    /// <summary>
    /// Decodes, preprocesses and embeds image files, streaming: files are taken in batches of
    /// <see cref="ClipModelOptions.MaxBatchSize"/> and decoded and preprocessed in parallel on a background task while
    /// the previous batch is being embedded (a bounded pipeline: at most one batch waits, so memory stays constant).
    /// A file that cannot be read or decoded yields a result with <see cref="ImageEmbeddingResult.Error"/> set;
    /// it never stops the others. Results come in input order.
    /// </summary>
    public IEnumerable<ImageEmbeddingResult> EncodeImageFiles(IEnumerable<string> paths, CancellationToken cancellationToken = default)
        => EncodeImageFiles(paths, _pipelineDecode, cancellationToken);

    /// <summary>
    /// <see cref="EncodeImageFiles(IEnumerable{string}, CancellationToken)"/> with the JPEG decode chosen for this call,
    /// whatever <see cref="ClipModelOptions.FastJpegDecode"/> says: <paramref name="fastJpegDecode"/> true decodes large
    /// JPEGs at a reduced scale inside the DCT (keeping at least twice the model's input size; several times faster,
    /// embeddings slightly different from the reference's), false decodes them exactly as the reference pipeline does.
    /// The photo indexer uses the fast decode by default.
    /// </summary>
    public IEnumerable<ImageEmbeddingResult> EncodeImageFiles(IEnumerable<string> paths, bool fastJpegDecode, CancellationToken cancellationToken = default)
        => EncodeImageFiles(paths, fastJpegDecode ? _pipelineDecodeFast : _pipelineDecodeExact, cancellationToken);

    private IEnumerable<ImageEmbeddingResult> EncodeImageFiles(IEnumerable<string> paths, ImageDecodeOptions decode, CancellationToken cancellationToken)
        => new ImageFilePipeline(this, _options.MaxBatchSize).Run(paths, decode, cancellationToken);

    /// <summary>
    /// Reads one image file, reserves its decode's memory from <see cref="DecodeMemory"/> (waiting while other decodes
    /// hold it) and writes its model input into <paramref name="destination"/> (3·S·S floats).
    /// </summary>
    internal void PreprocessFile(string path, ImageDecodeOptions decode, Span<float> destination, CancellationToken cancellationToken = default)
    {
        byte[] data = ImageDecoder.ReadFile(path);
        using (DecodeMemory.Reserve(EstimateImageMemory(data, path, decode), path, cancellationToken))
        {
            PreprocessEncoded(data, path, decode, destination);
        }
    }

    /// <summary>
    /// Embeds preprocessed pixels: <paramref name="pixels"/> is float32 [count, 3, S, S] with S = <see cref="ImageSize"/>
    /// (as <see cref="ImagePreprocessor.Preprocess(ClipImage, Span{float})"/> writes it); writes [count, dim] embeddings.
    /// </summary>
    public void EncodePixels(ReadOnlySpan<float> pixels, int count, Span<float> embeddings)
    {
        CheckLengths(pixels.Length, count * 3 * ImageSize * ImageSize, embeddings.Length, count);
        CheckShapes();
        _vision.RunImages(pixels, count, ImageSize, embeddings);
    }

    private void CheckLengths(int inputLength, int expectedInput, int outputLength, int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (inputLength != expectedInput)
        {
            throw new ArgumentException($"Expected {expectedInput} input values for {count} items, got {inputLength}.");
        }

        if (outputLength != count * EmbeddingDimension)
        {
            throw new ArgumentException($"Expected room for {count} × {EmbeddingDimension} embedding values, got {outputLength}.");
        }
    }

    private void CheckShapes()
    {
        int side = _vision.StaticLength;
        if (side > 0 && side != ImageSize)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"the vision model takes {side}×{side} images but the preprocessing config produces {ImageSize}×{ImageSize}", _folder.Root);
        }

        if (_declaredDimension is int d && (_vision.EmbeddingDimension != d || _text.EmbeddingDimension != d))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"config.json declares embeddings of {d} values but the towers produce {_vision.EmbeddingDimension} (vision) and {_text.EmbeddingDimension} (text)", _folder.Root);
        }
    }

    private float[][] Split(float[] flat, int count)
    {
        int dim = EmbeddingDimension;
        var result = new float[count][];
        for (int i = 0; i < count; i++)
        {
            result[i] = flat.AsSpan(i * dim, dim).ToArray();
        }

        return result;
    }

    private static int? ReadDeclaredDimension(ModelFolder folder)
    {
        if (folder.ConfigJson is null)
        {
            return null;
        }

        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllBytes(folder.ConfigJson));
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new ClipSharpException(ClipErrorKind.InvalidModel, "expected a JSON object", folder.ConfigJson);
            }

            string key = folder.Layout == ModelLayout.OpenClip ? "embed_dim" : "projection_dim";
            return root.TryGetProperty(key, out var v) && v.TryGetInt32(out int dim) && dim > 0 ? dim : null;
        }
        catch (JsonException ex)
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel, "malformed JSON: " + ex.Message, folder.ConfigJson, ex);
        }
    }

    /// <summary>Releases both ONNX sessions (after waiting for sessions still being created in the background).</summary>
    public void Dispose() => Release(_vision, _text, _warming);

    private static void Release(OnnxTower vision, OnnxTower text, Task? warming)
    {
        if (warming is not null)
        {
            // A session being created cannot be released before it exists. Its errors were reported by Warm or the first
            // call that needed the tower, or the model is being dropped because of an earlier error.
            try
            {
                warming.Wait();
            }
            catch (AggregateException)
            {
            }
        }

        vision.Dispose();
        text.Dispose();
    }
}
