namespace ClipSharp.Tests;

/// <summary>Writable copies of test models (the shared test data is read-only, so a model loaded from it never writes its cache beside itself).</summary>
internal static class ModelFolders
{
    /// <summary>Copies the model folder <paramref name="from"/> with its subfolders to <paramref name="to"/>, every file writable; returns <paramref name="to"/>.</summary>
    public static string WritableCopy(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string dir in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
        {
            Directory.CreateDirectory(System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, dir)));
        }

        foreach (string file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string dest = System.IO.Path.Combine(to, System.IO.Path.GetRelativePath(from, file));
            File.Copy(file, dest);
            File.SetAttributes(dest, FileAttributes.Normal);
        }

        return to;
    }

    /// <summary>Flips one bit of the byte in the middle of <paramref name="file"/> (same size, one byte different).</summary>
    public static void FlipMiddleByte(string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.ReadWrite);
        stream.Position = stream.Length / 2;
        int b = stream.ReadByte();
        stream.Position = stream.Length / 2;
        stream.WriteByte((byte)(b ^ 1));
    }
}
