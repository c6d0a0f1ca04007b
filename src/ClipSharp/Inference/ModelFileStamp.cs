using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace ClipSharp;

/// <summary>Cheap content fingerprints of model files for the <see cref="OptimizedModelCache"/> key and manifests.</summary>
internal static class ModelFileStamp
{
    /// <summary>
    /// Identifies the content of the source model cheaply: size, modification time, a hash of samples of its bytes,
    /// and size and time of external data files beside it (<c>model.onnx_data</c>, <c>model.onnx.data</c>).
    /// </summary>
    public static string Compute(string fullPath)
    {
        var info = new FileInfo(fullPath);
        if (!info.Exists)
        {
            throw new FileNotFoundException("model file not found", fullPath);
        }

        var sb = new StringBuilder();
        sb.Append(info.Length.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(info.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture)).Append(' ')
            .Append(SampleHash(fullPath, info.Length));
        foreach (string extra in Directory.EnumerateFiles(info.DirectoryName!, info.Name + "*").Order(StringComparer.Ordinal))
        {
            if (extra != fullPath)
            {
                var e = new FileInfo(extra);
                sb.Append(' ').Append(e.Name).Append(' ').Append(e.Length.ToString(CultureInfo.InvariantCulture))
                    .Append(' ').Append(e.LastWriteTimeUtc.Ticks.ToString(CultureInfo.InvariantCulture));
            }
        }

        return sb.ToString();
    }

    /// <summary>SHA-256 of the first and last 64 KiB and 16 evenly spaced 4 KiB blocks: a few reads, whatever the size.</summary>
    public static string SampleHash(string path, long length)
    {
        const int Edge = 64 * 1024;
        const int Block = 4 * 1024;
        using var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = new byte[Edge];
        void Add(long offset, int count)
        {
            count = (int)Math.Min(count, length - offset);
            int read = 0;
            while (read < count)
            {
                int n = RandomAccess.Read(handle, buffer.AsSpan(read, count - read), offset + read);
                if (n == 0)
                {
                    break;
                }

                read += n;
            }

            hash.AppendData(buffer, 0, read);
        }

        if (length <= 2 * Edge)
        {
            for (long offset = 0; offset < length; offset += Edge)
            {
                Add(offset, Edge);
            }
        }
        else
        {
            Add(0, Edge);
            for (int i = 1; i <= 16; i++)
            {
                Add(length / 17 * i, Block);
            }

            Add(length - Edge, Edge);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
