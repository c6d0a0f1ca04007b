using System.IO.Compression;
using System.Security.Cryptography;
using System.Text.Json;
using Xunit;

namespace ClipSharp.Tests;

/// <summary>
/// The test data. <see cref="Path"/> looks in the repository's <c>tests/data</c> first: a lossless, compact copy of
/// the shared test set (the micro model in its three layouts, the goldens, edge cases, photos, tokenizer files),
/// described by <c>tests/data/MANIFEST</c> and kept by <c>tools/testdata.py</c>. Files kept packed in git (gzip,
/// deltas between the ONNX exports, repeated tokenizer files) are written out on first use, checked against their
/// SHA-256. A path that is not there is looked up in the extended test data (<c>$CLIPSHARP_TESTDATA</c>, else
/// <c>../shared/testdata</c> beside the checkout); when that is absent too the test is skipped, or fails when
/// <c>CLIPSHARP_TESTDATA_REQUIRED=1</c> (set by <c>.ci/run</c> when the extended data is present).
/// </summary>
internal static class TestData
{
    /// <summary>Set to 1 to turn a missing extended test file into a failure instead of a skip.</summary>
    public const string RequiredVariable = "CLIPSHARP_TESTDATA_REQUIRED";

    private const string OptimizedCacheFolder = ".clipsharp-cache";

    private static readonly Lazy<string> s_root = new(Materialize);

    private static readonly Lazy<string?> s_extended = new(FindExtendedRoot);

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>tests/data, with its derived files written out.</summary>
    public static string Root => s_root.Value;

    /// <summary>
    /// The test data root, tests/data, with its derived files written out. It is part of the repository, so this never
    /// skips; tests that need a file should ask <see cref="Path"/>, which also finds the extended test data.
    /// </summary>
    public static string Require() => Root;

    /// <summary>The extended test data ($CLIPSHARP_TESTDATA or ../shared/testdata), or null when absent.</summary>
    public static string? ExtendedRoot => s_extended.Value;

    /// <summary>
    /// A file or folder of the test data: in tests/data, else in the extended test data; skips the calling
    /// (skippable) test when neither has it.
    /// </summary>
    public static string Path(params string[] parts)
    {
        string local = System.IO.Path.Combine([Root, .. parts]);
        if (File.Exists(local) || Directory.Exists(local))
        {
            return local;
        }

        if (ExtendedRoot is not null)
        {
            string extended = System.IO.Path.Combine([ExtendedRoot, .. parts]);
            if (File.Exists(extended) || Directory.Exists(extended))
            {
                return extended;
            }
        }

        string relative = string.Join('/', parts);
        if (Environment.GetEnvironmentVariable(RequiredVariable) == "1")
        {
            throw new InvalidOperationException(
                $"{RequiredVariable}=1 but test data '{relative}' is neither in tests/data nor in the extended test data ({ExtendedRoot ?? "absent"}).");
        }

        Skip.If(true, $"test data '{relative}' is not in tests/data and no extended test data has it (set CLIPSHARP_TESTDATA or place ../shared/testdata beside the checkout).");
        return local;
    }

    private static string? FindExtendedRoot()
    {
        string? env = Environment.GetEnvironmentVariable("CLIPSHARP_TESTDATA");
        if (!string.IsNullOrEmpty(env))
        {
            return Directory.Exists(env) ? System.IO.Path.GetFullPath(env) : null;
        }

        string candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared", "testdata"));
        return Directory.Exists(candidate) ? candidate : null;
    }

    /// <summary>
    /// Writes every derived file of tests/data/MANIFEST that is missing (or has the wrong size). Test assemblies run
    /// in parallel processes: each file is written to a private temporary name and renamed into place, so a reader
    /// sees either no file or the whole, checked one.
    /// </summary>
    private static string Materialize()
    {
        string root = System.IO.Path.Combine(RepoRoot, "tests", "data");
        string manifest = System.IO.Path.Combine(root, "MANIFEST");
        var entries = new Dictionary<string, ManifestEntry>(StringComparer.Ordinal);
        foreach (string line in File.ReadLines(manifest))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            string[] f = line.Split('\t');
            entries[f[2]] = new ManifestEntry(f[0], long.Parse(f[1], System.Globalization.CultureInfo.InvariantCulture), f[2], f[3]);
        }

        foreach (var entry in entries.Values)
        {
            string target = System.IO.Path.Combine(root, entry.Path);
            if (entry.How == "file" || (File.Exists(target) && new FileInfo(target).Length == entry.Size))
            {
                continue;
            }

            byte[] data = Derive(root, entry, entries);
            if (data.Length != entry.Size || !string.Equals(Convert.ToHexStringLower(SHA256.HashData(data)), entry.Sha256, StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"tests/data/{entry.Path} ({entry.How}) does not match its SHA-256 in tests/data/MANIFEST; run python3 tools/testdata.py --check.");
            }

            Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
            string temporary = $"{target}.tmp-{Environment.ProcessId}";
            File.WriteAllBytes(temporary, data);
            File.Move(temporary, target, overwrite: true);
        }

        // A clipsharp command run by hand on a model here (the README's first command) leaves the model's optimised
        // copy beside it; tests copy and serve these folders and must see only the model's own files. Test processes
        // never use that copy (TestEnvironment points the cache at a scratch folder), so removing it is safe.
        foreach (string cache in Directory.GetDirectories(System.IO.Path.Combine(root, "models"), OptimizedCacheFolder, SearchOption.AllDirectories))
        {
            try
            {
                Directory.Delete(cache, recursive: true);
            }
            catch (IOException)
            {
                // Another test process removed it first.
            }
        }

        return root;
    }

    private static byte[] Content(string root, ManifestEntry entry, Dictionary<string, ManifestEntry> entries) =>
        entry.How == "file" ? File.ReadAllBytes(System.IO.Path.Combine(root, entry.Path)) : Derive(root, entry, entries);

    private static byte[] Derive(string root, ManifestEntry entry, Dictionary<string, ManifestEntry> entries)
    {
        string packed = System.IO.Path.Combine(root, "packed", entry.Path);
        if (entry.How == "gz")
        {
            using var input = new GZipStream(File.OpenRead(packed + ".gz"), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            return output.ToArray();
        }

        int space = entry.How.IndexOf(' ', StringComparison.Ordinal);
        string kind = space < 0 ? entry.How : entry.How[..space];
        string source = space < 0 ? "" : entry.How[(space + 1)..];
        return kind switch
        {
            "same" => Content(root, entries[source], entries),
            "delta" => ApplyDelta(Content(root, entries[source], entries), File.ReadAllBytes(packed + ".delta")),
            _ => throw new InvalidOperationException($"tests/data/MANIFEST: unknown kind '{entry.How}' for {entry.Path}"),
        };
    }

    /// <summary>
    /// The .delta format of tools/testdata.py: one JSON line of operations, <c>["copy", baseOffset, length]</c> or
    /// <c>["lit", length]</c>, then the literal bytes in operation order.
    /// </summary>
    private static byte[] ApplyDelta(byte[] baseBytes, byte[] delta)
    {
        int newline = Array.IndexOf(delta, (byte)'\n');
        using var ops = JsonDocument.Parse(delta.AsMemory(0, newline));
        using var output = new MemoryStream();
        int literal = newline + 1;
        foreach (var op in ops.RootElement.EnumerateArray())
        {
            if (op[0].GetString() == "copy")
            {
                output.Write(baseBytes, op[1].GetInt32(), op[2].GetInt32());
            }
            else
            {
                int length = op[1].GetInt32();
                output.Write(delta, literal, length);
                literal += length;
            }
        }

        return output.ToArray();
    }

    private static string FindRepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "ClipSharp.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new InvalidOperationException("Cannot find the repository root (ClipSharp.slnx) above " + AppContext.BaseDirectory);
    }

    /// <summary>One line of tests/data/MANIFEST: digest, size, path and how git keeps the file.</summary>
    private sealed record ManifestEntry(string Sha256, long Size, string Path, string How);
}
