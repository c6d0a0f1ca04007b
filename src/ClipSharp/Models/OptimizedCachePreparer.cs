using System.Diagnostics;

namespace ClipSharp.Models;

/// <summary>
/// Writes a model's optimised-model cache entries ahead of its first use (<see cref="ModelHub.PrepareOptimizedCache"/>):
/// loads both towers once, unless the disk has less free space than the entries take.
/// </summary>
internal static class OptimizedCachePreparer
{
    /// <summary>Loads the model in <paramref name="folder"/> once so its towers write their cache entries; says what happened.</summary>
    public static ModelPreparation Prepare(string folder, string? variant, ModelStore store)
    {
        var options = new ClipModelOptions { Variant = variant };
        if (!options.OptimizedModelCache)
        {
            return new ModelPreparation(OptimizedCacheOutcome.Disabled, 0, 0, TimeSpan.Zero);
        }

        long existing = OptimizedModelCache.BytesFor(folder, store.SharedOptimizedDirectories());
        long needed = OptimizedModelCache.EstimatedEntryBytes(OnnxBytes(folder));
        if (existing == 0 && ModelStore.FreeBytes(options.OptimizedModelCacheDirectory ?? folder) is long free && free < needed)
        {
            return new ModelPreparation(OptimizedCacheOutcome.NoSpace, 0, needed, TimeSpan.Zero);
        }

        var clock = Stopwatch.StartNew();
        OptimizedModelCacheUse vision, text;
        using (var model = ClipModel.Load(folder, options))
        {
            model.Warm();
            (vision, text) = (model.VisionTower.CacheUse, model.TextTower.CacheUse);
        }

        var outcome = (vision, text) switch
        {
            _ when vision == OptimizedModelCacheUse.NotWritten || text == OptimizedModelCacheUse.NotWritten => OptimizedCacheOutcome.NotWritten,
            _ when vision == OptimizedModelCacheUse.Written || text == OptimizedModelCacheUse.Written => OptimizedCacheOutcome.Written,
            (OptimizedModelCacheUse.Loaded, OptimizedModelCacheUse.Loaded) => OptimizedCacheOutcome.AlreadyPresent,
            _ => OptimizedCacheOutcome.Disabled,
        };
        return new ModelPreparation(outcome, OptimizedModelCache.BytesFor(folder, store.SharedOptimizedDirectories()), needed, clock.Elapsed);
    }

    /// <summary>Bytes of the ONNX files of a model folder (without optimised-cache entries inside it).</summary>
    private static long OnnxBytes(string folder)
        => new DirectoryInfo(folder).EnumerateFiles("*.onnx", SearchOption.AllDirectories)
            .Where(f => !f.FullName.Contains(Path.DirectorySeparatorChar + OptimizedModelCache.BesideFolderName + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            .Sum(f => f.Length);
}
