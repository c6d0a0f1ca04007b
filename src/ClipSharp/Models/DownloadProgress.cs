namespace ClipSharp.Models;

/// <summary>Download progress of one model pull.</summary>
/// <param name="Model">The model being pulled.</param>
/// <param name="File">The file being downloaded (relative path); empty in the last report, when the pull is complete.</param>
/// <param name="BytesDone">Bytes of the whole model present so far (resumed, reused and downloaded bytes).</param>
/// <param name="TotalBytes">Bytes of the whole model (as far as the hub announced sizes).</param>
/// <param name="BytesPerSecond">Transfer rate of this session.</param>
public readonly record struct DownloadProgress(string Model, string File, long BytesDone, long TotalBytes, double BytesPerSecond);
