using ClipSharp.Tests;
using Microsoft.Playwright;

namespace ClipSharp.Server.Tests;

/// <summary>
/// One headless Chromium (Debian's /usr/bin/chromium, driven by Playwright) for all browser tests, and the pinned
/// axe-core they inject. Without the browser or axe-core the tests skip, except on CI (CI=true) where they fail:
/// .ci/install-browser installs both.
/// </summary>
public sealed class BrowserFixture : IAsyncLifetime
{
    private const string Chromium = "/usr/bin/chromium";

    private IPlaywright? _playwright;

    /// <summary>The browser, or null when it is not installed (see <see cref="Require"/>).</summary>
    internal IBrowser? Browser { get; private set; }

    /// <summary>axe-core's script, or null when it is not installed.</summary>
    internal string? AxeScript { get; private set; }

    /// <summary>Where screenshots go: $CLIPSHARP_SCREENSHOTS (set by .ci/run), else TestResults/screenshots.</summary>
    internal static string ScreenshotFolder { get; } = Environment.GetEnvironmentVariable("CLIPSHARP_SCREENSHOTS") is { Length: > 0 } folder
        ? folder
        : Path.Combine(TestData.RepoRoot, "tests", "ClipSharp.Server.BrowserTests", "TestResults", "screenshots");

    private static string AxePath => Path.Combine(TestData.RepoRoot, "tests", "ClipSharp.Server.BrowserTests", "axe", "node_modules", "axe-core", "axe.min.js");

    public async Task InitializeAsync()
    {
        if (!File.Exists(Chromium) || !File.Exists(AxePath) || TestData.Root is null)
        {
            return;
        }

        AxeScript = await File.ReadAllTextAsync(AxePath);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new BrowserTypeLaunchOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
        });
    }

    /// <summary>Skips the test when the browser, axe-core or the test photos are missing (fails instead on CI).</summary>
    internal void Require()
    {
        TestData.Require();
        string? missing = !File.Exists(Chromium) ? $"{Chromium} not found" : !File.Exists(AxePath) ? $"{AxePath} not found" : null;
        if (missing is null)
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {missing}: run .ci/install-browser first.");
        }

        Skip.If(true, $"{missing}: run .ci/install-browser (Debian chromium, npm ci of axe-core).");
    }

    /// <summary>A fresh browser context (own storage) at a viewport size and colour scheme, with axe-core in every page.</summary>
    internal async Task<IBrowserContext> NewContextAsync(int width, int height, ColorScheme scheme = ColorScheme.Light)
    {
        bool phone = width < 600;
        var context = await Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            ColorScheme = scheme,
            HasTouch = phone,
            IsMobile = phone,
            DeviceScaleFactor = phone ? 2 : 1,
        });
        // An init script runs before the page's own and is not subject to its Content-Security-Policy.
        await context.AddInitScriptAsync(AxeScript!);
        return context;
    }

    public async Task DisposeAsync()
    {
        if (Browser is not null)
        {
            await Browser.CloseAsync();
        }

        _playwright?.Dispose();
    }
}
