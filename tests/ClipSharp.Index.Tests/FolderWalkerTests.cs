using Xunit;

namespace ClipSharp.Index.Tests;

/// <summary>The walker's glob patterns, matched against paths relative to the indexed folder.</summary>
public sealed class FolderWalkerTests
{
    [Theory]
    [InlineData("photos/*.jpg", "photos/a.jpg", true)]
    [InlineData("photos/*.jpg", "photos/x/a.jpg", false)]
    [InlineData("**/*.jpg", "a/b/c.jpg", true)]
    [InlineData("**/*.jpg", "c.jpg", true)]
    [InlineData("raw", "raw/x.png", true)]
    [InlineData("IMG_????.png", "IMG_0001.png", true)]
    [InlineData("[ab]*.png", "b1.png", true)]
    [InlineData("[ab]*.png", "c1.png", false)]
    public void Glob_RelativePath_MatchesAsShellGlobsDo(string glob, string path, bool matches)
        => Assert.Equal(matches, FolderWalker.Glob(glob).IsMatch(path));
}
