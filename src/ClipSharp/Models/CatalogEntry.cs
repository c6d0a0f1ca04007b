namespace ClipSharp.Models;

/// <summary>A named model in the catalog: where its public ONNX export lives on the Hugging Face hub.</summary>
public sealed class CatalogEntry
{
    internal CatalogEntry(string name, ModelLayout layout, string repository, string revision, int embeddingDimension, int imageSize,
        int contextLength, long approximateBytes, IReadOnlyList<string> files, IReadOnlyList<string> variants, string description)
    {
        Name = name;
        Layout = layout;
        Repository = repository;
        Revision = revision;
        EmbeddingDimension = embeddingDimension;
        ImageSize = imageSize;
        ContextLength = contextLength;
        ApproximateBytes = approximateBytes;
        Files = files;
        Variants = variants;
        Description = description;
    }

    /// <summary>The name used on the command line (<c>--model NAME</c>).</summary>
    public string Name { get; }

    /// <summary>The export layout of the repository.</summary>
    public ModelLayout Layout { get; }

    /// <summary>The hub repository, <c>owner/name</c>.</summary>
    public string Repository { get; }

    /// <summary>The revision (branch, tag or commit) files are fetched from.</summary>
    public string Revision { get; }

    /// <summary>Embedding width.</summary>
    public int EmbeddingDimension { get; }

    /// <summary>Side of the square image input.</summary>
    public int ImageSize { get; }

    /// <summary>Text context length in tokens.</summary>
    public int ContextLength { get; }

    /// <summary>Approximate download size of the fp32 files in bytes (the exact size is read from the hub when pulling).</summary>
    public long ApproximateBytes { get; }

    /// <summary>Variants besides plain fp32 (Hugging Face layout: <c>quantized</c>, <c>fp16</c>).</summary>
    public IReadOnlyList<string> Variants { get; }

    /// <summary>A one-line description.</summary>
    public string Description { get; }

    /// <summary>The fp32 files, relative to the repository root.</summary>
    public IReadOnlyList<string> Files { get; }

    /// <summary>The files of <paramref name="variant"/> (null: fp32), relative to the repository root.</summary>
    /// <exception cref="ClipSharpException">The entry has no such variant.</exception>
    public IReadOnlyList<string> FilesFor(string? variant)
    {
        if (variant is null)
        {
            return Files;
        }

        if (!Variants.Contains(variant))
        {
            throw new ClipSharpException(ClipErrorKind.InvalidModel,
                $"model '{Name}' has no variant '{variant}'; variants: {(Variants.Count == 0 ? "none" : string.Join(", ", Variants))}");
        }

        return Files.Select(f => f.EndsWith(".onnx", StringComparison.Ordinal) ? f[..^".onnx".Length] + "_" + variant + ".onnx" : f).ToArray();
    }

    /// <summary>Approximate download size of a variant.</summary>
    public long ApproximateBytesFor(string? variant) => variant switch
    {
        null => ApproximateBytes,
        "fp16" => ApproximateBytes / 2,
        "quantized" or "int8" or "uint8" => ApproximateBytes / 4,
        _ => ApproximateBytes,
    };
}
