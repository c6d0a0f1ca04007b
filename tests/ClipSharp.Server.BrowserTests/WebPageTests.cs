using System.Text.RegularExpressions;
using ClipSharp.Tests;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace ClipSharp.Server.Tests;

/// <summary>
/// The web page in headless Chromium as people use it: on a phone (390×844) and a desktop (1920×1080), light and
/// dark, by keyboard and with an API key; axe-core checks each state. Screenshots go to
/// <see cref="BrowserFixture.ScreenshotFolder"/>.
/// </summary>
[Collection(BrowserCollection.Name)]
public sealed class WebPageTests(BrowserFixture browser)
{
    private const string SearchLabel = "Describe the photo you are looking for";

    public static TheoryData<int, int, string> SizesAndSchemes => new()
    {
        { 390, 844, "light" },
        { 390, 844, "dark" },
        { 1920, 1080, "light" },
        { 1920, 1080, "dark" },
    };

    [SkippableTheory]
    [MemberData(nameof(SizesAndSchemes))]
    public async Task WebPage_EmptyResultsViewerAndErrorStates_HaveNoSeriousAxeViolationsAndNoHorizontalOverflow(int width, int height, string scheme)
    {
        browser.Require();
        string name = $"{(width < 600 ? "phone" : "desktop")}-{scheme}";
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        var (bare, bareAddress) = await TestServers.StartAsync(search: null);
        await using var context = await browser.NewContextAsync(width, height, scheme == "dark" ? ColorScheme.Dark : ColorScheme.Light);
        try
        {
            var page = await context.NewPageAsync();
            var errors = CollectErrors(page);

            // Empty: the example searches, nothing else.
            await page.GotoAsync(address);
            await Expect(page.Locator("#status")).ToContainTextAsync("Model fake");
            await Expect(page.GetByRole(AriaRole.Button, new() { Name = "forest", Exact = true })).ToBeVisibleAsync();
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);
            await PageChecks.AssertAccessibleAsync(page, $"{name} empty");
            await PageChecks.ScreenshotAsync(page, $"{name}-empty");

            // With results.
            await page.GetByLabel(SearchLabel).FillAsync("forest");
            await page.GetByLabel(SearchLabel).PressAsync("Enter");
            await Expect(page.Locator("#results li").First.Locator(".name")).ToHaveTextAsync(new Regex("^forest-"));
            await PageChecks.AllThumbnailsLoadedAsync(page);
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);
            await PageChecks.AssertAccessibleAsync(page, $"{name} with results");
            await PageChecks.ScreenshotAsync(page, $"{name}-results");
            await PageChecks.ScreenshotAsync(page, $"{name}-results-screen", fullPage: false);

            // The viewer.
            await page.Locator("#results .thumb").First.ClickAsync();
            await Expect(page.Locator("#viewer")).ToBeVisibleAsync();
            await page.WaitForFunctionAsync("() => { const i = document.getElementById('viewer-img'); return i.complete && i.naturalWidth > 0; }");
            await Expect(page.Locator("#viewer-details")).ToContainTextAsync("pixels");
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);
            await PageChecks.AssertAccessibleAsync(page, $"{name} viewer");
            await PageChecks.ScreenshotAsync(page, $"{name}-viewer", fullPage: false);
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.Locator("#viewer")).ToBeHiddenAsync();

            // An error: a server without a photo index says so in words, with its own detail behind them.
            await page.GotoAsync(bareAddress + "/?q=forest");
            await Expect(page.Locator("#search-info")).ToHaveTextAsync("This server has no photo index: start it with --index.");
            await Expect(page.Locator("#search-detail")).ToBeVisibleAsync();
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);
            await PageChecks.AssertAccessibleAsync(page, $"{name} error");
            await PageChecks.ScreenshotAsync(page, $"{name}-error");
            Assert.Empty(errors);
        }
        finally
        {
            await server.DisposeAsync();
            await bare.DisposeAsync();
        }
    }

    [SkippableTheory]
    [InlineData(320, 640)]
    [InlineData(2560, 1440)]
    public async Task WebPage_AtTheNarrowestAndWidestSizes_HasNoHorizontalOverflow(int width, int height)
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        await using var context = await browser.NewContextAsync(width, height);
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(address);
            await Expect(page.Locator("#empty")).ToBeVisibleAsync();
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);

            await page.GotoAsync(address + "/?q=forest");
            await Expect(page.Locator("#results li")).ToHaveCountAsync(24);
            await PageChecks.AllThumbnailsLoadedAsync(page);
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);

            await page.Locator("#results .thumb").First.ClickAsync();
            await Expect(page.Locator("#viewer-details")).ToContainTextAsync("pixels");
            Assert.InRange(await PageChecks.ScrollWidthAsync(page), 0, width);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task WebPage_QueryInTheUrl_ShowsResultsOnFirstLoadAndBackRestoresEachSearchAndItsScroll()
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        await using var context = await browser.NewContextAsync(390, 844);
        try
        {
            var page = await context.NewPageAsync();
            var first = page.Locator("#results li").First.Locator(".name");

            // First load of a shared link.
            await page.GotoAsync(address + "/?q=forest");
            await Expect(first).ToHaveTextAsync(new Regex("^forest-"));
            await Expect(page.GetByLabel(SearchLabel)).ToHaveValueAsync("forest");
            // Scrolled down, "More like this" on a photo there: the second search.
            await page.EvaluateAsync("() => window.scrollTo(0, 700)");
            var more = page.Locator("#results li").Nth(7).GetByRole(AriaRole.Button, new() { Name = "More like this", Exact = true });
            await more.ScrollIntoViewIfNeededAsync();
            await page.WaitForTimeoutAsync(400); // the scroll position is saved 150 ms after scrolling stops
            double scrolled = await page.EvaluateAsync<double>("() => window.scrollY");
            Assert.True(scrolled > 300, $"scrolled to {scrolled}");
            string liked = await page.Locator("#results li").Nth(7).Locator(".name").InnerTextAsync();
            await more.ClickAsync();
            await Expect(first).ToHaveTextAsync(liked);
            await Expect(page).ToHaveURLAsync(new Regex(@"/\?like=\d+$"));

            // Third, submitted; fourth, typed.
            await page.GetByLabel(SearchLabel).FillAsync("tiger");
            await page.GetByLabel(SearchLabel).PressAsync("Enter");
            await Expect(first).ToHaveTextAsync("tiger-cutout-rgba.png");
            Assert.EndsWith("/?q=tiger", page.Url, StringComparison.Ordinal);
            await page.GetByLabel(SearchLabel).FillAsync("kite");
            await Expect(first).ToHaveTextAsync("kite-in-sky.jpg");
            Assert.EndsWith("/?q=kite", page.Url, StringComparison.Ordinal);

            // Back, one search at a time, to the first at the place it was left.
            await page.GoBackAsync();
            await Expect(first).ToHaveTextAsync("tiger-cutout-rgba.png");
            await Expect(page.GetByLabel(SearchLabel)).ToHaveValueAsync("tiger");
            await page.GoBackAsync();
            await Expect(first).ToHaveTextAsync(liked);
            await Expect(page.GetByLabel(SearchLabel)).ToHaveValueAsync("");
            await page.GoBackAsync();
            await Expect(first).ToHaveTextAsync(new Regex("^forest-"));
            await Expect(page.GetByLabel(SearchLabel)).ToHaveValueAsync("forest");
            Assert.EndsWith("/?q=forest", page.Url, StringComparison.Ordinal);
            Assert.InRange(await page.EvaluateAsync<double>("() => window.scrollY"), scrolled - 2, scrolled + 2);
            await page.GoForwardAsync();
            await Expect(first).ToHaveTextAsync(liked);
            await page.GoForwardAsync();
            await Expect(first).ToHaveTextAsync("tiger-cutout-rgba.png");

            // Filters and sort are in the URL too, and a reload keeps them.
            await page.SelectOptionAsync("#sort", "newest");
            await Expect(page).ToHaveURLAsync(new Regex(@"/\?q=tiger&sort=newest$"));
            await page.ReloadAsync();
            await Expect(page.Locator("#sort")).ToHaveValueAsync("newest");
            await Expect(page.Locator("#results li")).Not.ToHaveCountAsync(0);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task WebPage_With47PhotosAndNoCutOff_ReachesAllByScrollingAndByLoadMore()
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await TestServers.PhotosAsync(47));
        await using var context = await browser.NewContextAsync(390, 844);
        try
        {
            var page = await context.NewPageAsync();
            var items = page.Locator("#results li");

            // Scrolling: each time the end of the list comes near, the next page arrives.
            await page.GotoAsync(address + "/?q=forest");
            await Expect(items).ToHaveCountAsync(24);
            // Duplicates tie at the page boundary, so the first page already knows the total; else it says "at least".
            await Expect(page.Locator("#search-info")).ToHaveTextAsync(new Regex(@"^24 of (47|at least \d+) photos shown$"));
            for (int i = 0; i < 10 && await page.Locator("#load-more").IsVisibleAsync(); i++)
            {
                await page.EvaluateAsync("() => window.scrollTo(0, document.body.scrollHeight)");
                await page.WaitForTimeoutAsync(300);
            }

            await Expect(items).ToHaveCountAsync(47);
            Assert.Equal(47, (await items.EvaluateAllAsync<string[]>("lis => lis.map(li => li.dataset.id)")).Distinct().Count());
            await Expect(page.Locator("#search-info")).ToHaveTextAsync("47 photos");
            await Expect(page.Locator("#load-more")).ToBeHiddenAsync();

            // The button, by keyboard: focus moves to the first new result.
            await page.GotoAsync(address + "/?q=kite");
            await Expect(items).ToHaveCountAsync(24);
            await page.Locator("#load-more").FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(items).ToHaveCountAsync(47);
            Assert.Equal(47, (await items.EvaluateAllAsync<string[]>("lis => lis.map(li => li.dataset.id)")).Distinct().Count());
            Assert.True(await page.EvaluateAsync<bool>("() => document.activeElement.classList.contains('thumb')"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task WebPage_WithAnApiKey_ShowsTheKeyFormFirstThenOpensAPhotoInTheViewerWithoutA401()
    {
        browser.Require();
        const string Key = "correct horse battery staple";
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync(), apiKey: Key);
        await using var context = await browser.NewContextAsync(1920, 1080);
        try
        {
            var page = await context.NewPageAsync();
            var responses = new List<(string Url, int Status)>();
            page.Response += (_, r) => responses.Add((r.Url, r.Status));

            // Without the key: the key form, and nothing of the index (no names, paths or counts).
            await page.GotoAsync(address + "/?q=forest");
            var keyInput = page.GetByLabel("API key", new() { Exact = true });
            await Expect(keyInput).ToBeVisibleAsync();
            await Expect(page.Locator("#status")).ToContainTextAsync("Model fake");
            await Expect(page.Locator("#search-panel")).ToBeHiddenAsync();
            string before = await page.Locator("body").InnerTextAsync();
            Assert.DoesNotContain("photos indexed", before, StringComparison.Ordinal);
            Assert.DoesNotContain(".jpg", before, StringComparison.Ordinal);
            Assert.DoesNotContain(TestData.Path("photos"), before, StringComparison.Ordinal);

            int afterKey = responses.Count;
            await keyInput.FillAsync(Key);
            await page.GetByRole(AriaRole.Button, new() { Name = "Use key" }).ClickAsync();
            await Expect(page.Locator("#results li").First.Locator(".name")).ToHaveTextAsync(new Regex("^forest-"));
            await Expect(page.Locator("#status")).ToContainTextAsync("37 photos indexed");
            await PageChecks.AllThumbnailsLoadedAsync(page);
            Assert.StartsWith("blob:", await page.Locator("#results img").First.GetAttributeAsync("src"), StringComparison.Ordinal);

            await page.Locator("#results .thumb").First.ClickAsync();
            await page.WaitForFunctionAsync("() => { const i = document.getElementById('viewer-img'); return i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0; }");
            Assert.StartsWith("blob:", await page.Locator("#viewer-open").GetAttributeAsync("href"), StringComparison.Ordinal);
            Assert.StartsWith("blob:", await page.Locator("#viewer-download").GetAttributeAsync("href"), StringComparison.Ordinal);
            await Expect(page.Locator("#viewer-details")).ToContainTextAsync("photos" + Path.DirectorySeparatorChar + "forest-");
            await page.Keyboard.PressAsync("ArrowRight");
            await page.WaitForFunctionAsync("() => { const i = document.getElementById('viewer-img'); return i.src.startsWith('blob:') && i.complete && i.naturalWidth > 0; }");

            // Before the key only the access check was refused; after it, nothing.
            Assert.Contains(responses.Take(afterKey), r => r.Status == 401 && r.Url.EndsWith("/v1/folders", StringComparison.Ordinal));
            var refused = responses.Skip(afterKey).Where(r => r.Status == 401).ToList();
            Assert.True(refused.Count == 0, "401 after the key was given: " + string.Join(", ", refused.Select(r => r.Url)));
            Assert.Contains(responses.Skip(afterKey), r => r.Status == 200 && Regex.IsMatch(r.Url, @"/v1/images/\d+$"));
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task WebPage_ByKeyboard_ShowsFocusSkipsHiddenInputsAndDrivesTheViewer()
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        await using var context = await browser.NewContextAsync(1920, 1080);
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(address);
            await Expect(page.Locator("#search-panel")).ToBeVisibleAsync();

            // Tab through the search form and filters: every stop is visible, outlined, and none is a file input.
            await page.GetByLabel(SearchLabel).FocusAsync();
            var stops = new List<string>();
            for (int i = 0; i < 9; i++)
            {
                await page.Keyboard.PressAsync("Tab");
                string stop = await page.EvaluateAsync<string>("""
                    () => { const e = document.activeElement; const s = getComputedStyle(e);
                            return `${e.tagName}#${e.id}|${e.type}|${e.offsetWidth > 1 && e.offsetHeight > 1}|${s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2}`; }
                    """);
                stops.Add(stop);
            }

            Assert.All(stops, s => Assert.DoesNotContain("|file|", s, StringComparison.Ordinal));
            Assert.All(stops, s => Assert.EndsWith("|true|true", s, StringComparison.Ordinal));
            Assert.Contains(stops, s => s.StartsWith("BUTTON#search-file-button", StringComparison.Ordinal));

            // A search by Enter moves focus to the results heading.
            await page.GetByLabel(SearchLabel).FillAsync("tiger");
            await page.GetByLabel(SearchLabel).PressAsync("Enter");
            await Expect(page.Locator("#results-title")).ToBeFocusedAsync();
            await Expect(page.Locator("#results-title")).ToHaveTextAsync("Results for “tiger”");
            await Expect(page.Locator("#results")).ToHaveAttributeAsync("aria-busy", "false");

            // The viewer: Enter opens it, arrows step, Escape closes it and focus returns to the photo.
            var names = await page.Locator("#results .name").AllInnerTextsAsync();
            await page.Locator("#results .thumb").First.FocusAsync();
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#viewer-title")).ToHaveTextAsync(names[0]);
            await page.Keyboard.PressAsync("ArrowRight");
            await Expect(page.Locator("#viewer-title")).ToHaveTextAsync(names[1]);
            await page.Keyboard.PressAsync("ArrowLeft");
            await Expect(page.Locator("#viewer-title")).ToHaveTextAsync(names[0]);
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.Locator("#viewer")).ToBeHiddenAsync();
            await Expect(page.Locator("#results .thumb").First).ToBeFocusedAsync();

            // "More like this" (its name is its visible text): the second photo first, in the URL by id, focus on the heading.
            var more = page.Locator("#results li").Nth(1).GetByRole(AriaRole.Button, new() { Name = "More like this", Exact = true });
            await more.ClickAsync();
            await Expect(page.Locator("#results li").First.Locator(".name")).ToHaveTextAsync(names[1]);
            await Expect(page).ToHaveURLAsync(new Regex(@"/\?like=\d+$"));
            await Expect(page.Locator("#results-title")).ToBeFocusedAsync();
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task WebPage_TypingAQuery_SendsOneSearchOnceTypingPauses()
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        await using var context = await browser.NewContextAsync(1920, 1080);
        try
        {
            var page = await context.NewPageAsync();
            await page.GotoAsync(address);
            await Expect(page.Locator("#search-panel")).ToBeVisibleAsync();
            var searches = new List<string>();
            page.Request += (_, r) =>
            {
                if (r.Url.Contains("/v1/search", StringComparison.Ordinal))
                {
                    searches.Add(r.Url);
                }
            };

            // The page's own clock for each keystroke: on a loaded machine a key can arrive long after the one before,
            // and a pause of the debounce's length (300 ms) rightly starts a search.
            var box = page.GetByLabel(SearchLabel);
            await box.EvaluateAsync("el => { window.inputTimes = []; el.addEventListener('input', () => window.inputTimes.push(performance.now())); }");

            // 120 ms between keys (a normal typing speed): one search, for the whole word.
            await box.PressSequentiallyAsync("mountains", new() { Delay = 120 });
            await Expect(page.Locator("#results li").First.Locator(".name")).ToHaveTextAsync(new Regex("^mountain-"));
            await page.WaitForTimeoutAsync(500);
            double[] times = await page.EvaluateAsync<double[]>("() => window.inputTimes");
            int pauses = times.Zip(times.Skip(1), (a, b) => b - a).Count(gap => gap > 250);
            Assert.Equal(9, times.Length);
            Assert.InRange(searches.Count, 1, 1 + pauses);
            Assert.Contains("q=mountains&", searches[^1], StringComparison.Ordinal);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task WebPage_ServerGone_TurnsTheStatusRedAtTheNextPoll()
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        await using var context = await browser.NewContextAsync(1920, 1080);
        var page = await context.NewPageAsync();
        await page.GotoAsync(address);
        await Expect(page.Locator("#status")).ToHaveClassAsync("status ok");
        await server.DisposeAsync();

        // One poll every 10 s: red within one period (and a little for the request to fail).
        await Expect(page.Locator("#status")).ToHaveClassAsync("status bad", new() { Timeout = 13_000 });
        await Expect(page.Locator("#status")).ToHaveTextAsync("The server does not answer.");
    }

    [SkippableFact]
    public async Task WebPage_ADroppedImage_ShowsOneBarPerLabelSummingToOneHundredPercent()
    {
        browser.Require();
        var (server, address) = await TestServers.StartAsync(await PhotoLibrary.CreateAsync());
        await using var context = await browser.NewContextAsync(1920, 1080);
        try
        {
            var page = await context.NewPageAsync();
            var errors = CollectErrors(page);
            await page.GotoAsync(address);
            await page.GetByLabel("Labels, separated by commas").FillAsync("tiger, kite, coffee cup, mountain");
            byte[] image = await File.ReadAllBytesAsync(TestData.Path("photos", "tiger-cutout-rgba.png"));
            var transfer = await page.EvaluateHandleAsync(
                "async ([b64, name]) => { const bytes = Uint8Array.from(atob(b64), c => c.charCodeAt(0)); const dt = new DataTransfer(); dt.items.add(new File([bytes], name, { type: 'image/png' })); return dt; }",
                new object[] { Convert.ToBase64String(image), "tiger-cutout-rgba.png" });
            await page.DispatchEventAsync("#classify-drop", "dragover", new { dataTransfer = transfer });
            await page.DispatchEventAsync("#classify-drop", "drop", new { dataTransfer = transfer });
            var bars = page.Locator("#bars li");
            await Expect(bars).ToHaveCountAsync(4);
            await Expect(page.Locator("#classify-info")).ToContainTextAsync("Most likely:");
            double total = 0;
            for (int i = 0; i < 4; i++)
            {
                total += double.Parse(await bars.Nth(i).Locator("[role=meter]").GetAttributeAsync("aria-valuenow") ?? "0", System.Globalization.CultureInfo.InvariantCulture);
            }

            Assert.InRange(total, 99.5, 100.5);
            Assert.Empty(errors);
        }
        finally
        {
            await server.DisposeAsync();
        }
    }

    private static List<string> CollectErrors(IPage page)
    {
        var errors = new List<string>();
        page.Console += (_, message) =>
        {
            // A refused request is the browser's "Failed to load resource" console error; responses are checked on their own.
            if (message.Type == "error" && !message.Text.StartsWith("Failed to load resource", StringComparison.Ordinal))
            {
                errors.Add(message.Text);
            }
        };
        page.PageError += (_, error) => errors.Add(error);
        return errors;
    }
}
