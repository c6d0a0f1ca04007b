namespace ClipSharp.Tests;

/// <summary>One file to put into a <see cref="TestIndex"/>.</summary>
/// <param name="Path">Full path (it need not exist: the store does not read it).</param>
/// <param name="Vector">Its embedding.</param>
/// <param name="TakenAt">EXIF date taken, when any.</param>
/// <param name="Size">Size in bytes; default: the file's on disk (1 when it does not exist).</param>
/// <param name="ModifiedUtc">Modification time; default: the file's on disk (the Unix epoch when it does not exist).</param>
internal sealed record TestIndexFile(string Path, float[] Vector, DateTime? TakenAt = null, long? Size = null, DateTime? ModifiedUtc = null);
