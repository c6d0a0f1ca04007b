using ClipSharp.Tests;
using Microsoft.Playwright;

namespace ClipSharp.Server.Tests;

/// <summary>
/// The web page in headless Chromium (Debian's /usr/bin/chromium, driven by Playwright): a typed query shows
/// result thumbnails; a dropped image shows classification bars. Screenshots go to TestResults/screenshots.
/// </summary>
public sealed class WebPageTests
{
    private const string Chromium = "/usr/bin/chromium";

    private static string ScreenshotFolder { get; } = Path.Combine(TestData.RepoRoot, "tests", "ClipSharp.Server.BrowserTests", "TestResults", "screenshots");

    [SkippableFact]
    public async Task Search_shows_thumbnails_and_a_dropped_image_shows_classification_bars()
    {
        string photos = TestData.Path("photos");
        RequireBrowser();
        var options = new ClipServerOptions { Urls = ["http://127.0.0.1:0"] };
        await using var server = ClipServer.Create(options, _ => Task.FromResult<IClipBackend>(new FakeClipBackend()), _ => Task.FromResult<IPhotoSearch?>(PhotoLibrary.Create()));
        await server.StartAsync();
        await server.Ready.WaitAsync(TimeSpan.FromSeconds(30));
        string address = server.Addresses.Single();

        using var playwright = await Playwright.CreateAsync();
        string profile = Directory.CreateTempSubdirectory("clipsharp-chromium-").FullName;
        // A fresh profile folder each run (Playwright passes it as --user-data-dir).
        await using var browser = await playwright.Chromium.LaunchPersistentContextAsync(profile, new BrowserTypeLaunchPersistentContextOptions
        {
            ExecutablePath = Chromium,
            Headless = true,
            ViewportSize = new ViewportSize { Width = 1280, Height = 900 },
            Args =
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync",
            ],
        });
        try
        {
            var page = browser.Pages.Count > 0 ? browser.Pages[0] : await browser.NewPageAsync();
            var consoleErrors = new List<string>();
            page.Console += (_, message) =>
            {
                if (message.Type == "error")
                {
                    consoleErrors.Add(message.Text);
                }
            };
            page.PageError += (_, error) => consoleErrors.Add(error);
            await page.GotoAsync(address);
            await Assertions.Expect(page.Locator("#status")).ToContainTextAsync("Model fake");

            // Type a query: thumbnails appear, the best first, each with a score and "More like this".
            await page.GetByLabel("Describe the photo you are looking for").FillAsync("tiger");
            var results = page.Locator("#results li");
            await Assertions.Expect(results.First).ToBeVisibleAsync();
            await Assertions.Expect(results.First.Locator(".name")).ToHaveTextAsync("tiger-cutout-rgba.png");
            await Assertions.Expect(results.First.Locator(".score")).ToHaveTextAsync("1.000");
            await page.WaitForFunctionAsync("() => { const imgs = [...document.querySelectorAll('#results img')].slice(0, 8); return imgs.length === 8 && imgs.every(i => i.complete && i.naturalWidth > 0); }");
            Assert.True(await results.CountAsync() >= 8);
            await Assertions.Expect(page.Locator("#search-info")).ToContainTextAsync("results for");

            // More like this on the second result: it becomes the first.
            string second = await results.Nth(1).Locator(".name").InnerTextAsync();
            await results.Nth(1).GetByRole(AriaRole.Button, new() { NameRegex = new System.Text.RegularExpressions.Regex("^More like") }).ClickAsync();
            await Assertions.Expect(results.First.Locator(".name")).ToHaveTextAsync(second);

            // Back to the query for the screenshot.
            await page.GetByLabel("Describe the photo you are looking for").FillAsync("tiger");
            await Assertions.Expect(results.First.Locator(".name")).ToHaveTextAsync("tiger-cutout-rgba.png");
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#results img')].slice(0, 8).every(i => i.complete && i.naturalWidth > 0)");

            // Drop an image on the classify panel: one bar per label, probabilities summing to 100 %.
            await page.GetByLabel("Labels, separated by commas").FillAsync("tiger, kite, coffee cup, mountain");
            byte[] image = await File.ReadAllBytesAsync(Path.Combine(photos, "tiger-cutout-rgba.png"));
            var transfer = await page.EvaluateHandleAsync(
                "async ([b64, name]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0)); const dt = new DataTransfer(); dt.items.add(new File([bytes], name, { type: 'image/png' })); return dt; }",
                new object[] { Convert.ToBase64String(image), "tiger-cutout-rgba.png" });
            await page.DispatchEventAsync("#classify-drop", "dragover", new { dataTransfer = transfer });
            await page.DispatchEventAsync("#classify-drop", "drop", new { dataTransfer = transfer });
            var bars = page.Locator("#bars li");
            await Assertions.Expect(bars).ToHaveCountAsync(4);
            await Assertions.Expect(page.Locator("#classify-preview")).ToBeVisibleAsync();
            await Assertions.Expect(page.Locator("#classify-info")).ToContainTextAsync("Most likely:");
            double total = 0;
            for (int i = 0; i < 4; i++)
            {
                total += double.Parse(await bars.Nth(i).Locator("[role=meter]").GetAttributeAsync("aria-valuenow") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.InRange(total, 99.5, 100.5);
            // The most probable label's bar is drawn (wider than the others once the transition ends).
            await page.WaitForFunctionAsync("() => { const f = [...document.querySelectorAll('#bars .fill')].map(e => e.getBoundingClientRect().width); return f.length === 4 && f[0] > 0 && f[0] >= Math.max(...f) - 0.5; }");
            await page.WaitForTimeoutAsync(400);

            // Every thumbnail loads (lazy ones too, for the screenshot).
            await page.EvalOnSelectorAllAsync("#results img", "imgs => imgs.forEach(i => i.loading = 'eager')");
            await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)");
            Directory.CreateDirectory(ScreenshotFolder);
            await page.ScreenshotAsync(new PageScreenshotOptions { Path = Path.Combine(ScreenshotFolder, "search-and-classify.png"), FullPage = true });
            Assert.Empty(consoleErrors);
        }
        finally
        {
            await browser.CloseAsync();
            Directory.Delete(profile, recursive: true);
        }
    }

    private static void RequireBrowser()
    {
        if (File.Exists(Chromium))
        {
            return;
        }

        if (string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase))
        {
            throw new InvalidOperationException($"CI=true but {Chromium} is missing: run .ci/install-browser first.");
        }

        Skip.If(true, $"{Chromium} not found: run .ci/install-browser (apt-get install chromium).");
    }
}
