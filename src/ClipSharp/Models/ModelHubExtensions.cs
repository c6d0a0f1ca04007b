namespace ClipSharp.Models;

/// <summary>
/// A model reference to a loaded <see cref="ClipModel"/> in one step: the reference (a folder, or a catalog name such as
/// <c>ViT-B-32</c> or <c>clip-vit-base-patch32:quantized</c>) becomes a folder through the hub, and the folder a model.
/// The command line and <c>AddClipSharp</c> both load this way.
/// </summary>
public static class ModelHubExtensions
{
    /// <summary>
    /// Resolves <paramref name="reference"/> (<see cref="ModelHub.ResolveAsync"/>: a folder as it is, a cached catalog
    /// model, else imported offline or downloaded, reporting to <paramref name="progress"/> and <paramref name="notice"/>)
    /// and loads it. <see cref="ClipModelOptions.Variant"/> wins over the reference's own variant when set.
    /// </summary>
    /// <exception cref="ClipSharpException">The reference is neither a folder nor a catalog name, the download failed, or the folder is not a model.</exception>
    public static async Task<ClipModel> LoadModelAsync(this ModelHub hub, string reference, ClipModelOptions? options = null,
        IProgress<DownloadProgress>? progress = null, Action<string>? notice = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(hub);
        var resolved = await hub.ResolveAsync(reference, progress, notice, cancellationToken).ConfigureAwait(false);
        cancellationToken.ThrowIfCancellationRequested();
        return Load(resolved, options);
    }

    /// <summary>
    /// Like <see cref="LoadModelAsync"/> without the network and without waiting (<see cref="ModelHub.ResolveLocal"/>): a
    /// folder, or a catalog model already in the cache; null when the model would have to be fetched first.
    /// </summary>
    /// <exception cref="ClipSharpException">The reference is neither a folder nor a catalog name, or the folder is not a model.</exception>
    public static ClipModel? LoadLocalModel(this ModelHub hub, string reference, ClipModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(hub);
        return hub.ResolveLocal(reference) is { } resolved ? Load(resolved, options) : null;
    }

    private static ClipModel Load(ResolvedModel resolved, ClipModelOptions? options)
    {
        options ??= new ClipModelOptions();
        return ClipModel.Load(resolved.Folder, string.IsNullOrWhiteSpace(options.Variant) ? options.WithVariant(resolved.Variant) : options);
    }
}
