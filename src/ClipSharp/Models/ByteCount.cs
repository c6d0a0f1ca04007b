using System.Globalization;

namespace ClipSharp.Models;

/// <summary>Byte counts for people.</summary>
internal static class ByteCount
{
    /// <summary>Formats a byte count in decimal units (e.g. 606 MB).</summary>
    public static string Format(long bytes) => bytes switch
    {
        >= 1_000_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e9:0.00} GB"),
        >= 1_000_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e6:0} MB"),
        >= 1_000 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1e3:0} kB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
    };
}
