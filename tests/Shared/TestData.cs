using Xunit;

namespace ClipSharp.Tests;

/// <summary>
/// Locates ../shared/testdata (or $CLIPSHARP_TESTDATA). Tests call <see cref="Require"/> first: it skips
/// the test with a clear message when the data is absent.
/// </summary>
internal static class TestData
{
    private static readonly Lazy<string?> s_root = new(FindRoot);

    public static string? Root => s_root.Value;

    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Skips the calling test when the test data is not present; returns its root otherwise.</summary>
    public static string Require()
    {
        // In CI the data must be there: a missing copy is a broken run, not a reason to skip.
        if (Root is null && string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException("CI=true but the ClipSharp test data was not found (CLIPSHARP_TESTDATA or ../shared/testdata).");
        }

        Skip.If(Root is null, "ClipSharp test data not found: set CLIPSHARP_TESTDATA or place it at ../shared/testdata next to the checkout.");
        return Root!;
    }

    /// <summary>A path inside the test data; skips the test when the data is absent.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([Require(), .. parts]);

    private static string? FindRoot()
    {
        string? env = Environment.GetEnvironmentVariable("CLIPSHARP_TESTDATA");
        if (!string.IsNullOrEmpty(env))
        {
            return Directory.Exists(env) ? System.IO.Path.GetFullPath(env) : null;
        }

        string candidate = System.IO.Path.GetFullPath(System.IO.Path.Combine(RepoRoot, "..", "shared", "testdata"));
        return Directory.Exists(candidate) ? candidate : null;
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
}
