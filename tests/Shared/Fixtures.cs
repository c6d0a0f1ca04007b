namespace ClipSharp.Tests;

/// <summary>Files the repository keeps under tests/data/fixtures (made by earlier releases; see the README there).</summary>
internal static class Fixtures
{
    /// <summary>A path inside tests/data/fixtures.</summary>
    public static string Path(params string[] parts) => System.IO.Path.Combine([TestData.RepoRoot, "tests", "data", "fixtures", .. parts]);

    /// <summary>The SQLite index written by ClipSharp at commit 402108c (model ids hashed the model folder then).</summary>
    public static string IndexFrom402108c => Path("index-402108c");

    /// <summary>The model id that index records: models/micro/openclip as the release before content ids named it.</summary>
    public const string MicroOpenClipIdAt402108c = "openclip@59d598697265b2af";
}
