namespace ClipSharp.Server.Tests;

/// <summary>The browser tests share one Chromium and run one at a time (the browser is CPU heavy).</summary>
[CollectionDefinition(Name)]
public sealed class BrowserCollection : ICollectionFixture<BrowserFixture>
{
    public const string Name = "browser";
}
