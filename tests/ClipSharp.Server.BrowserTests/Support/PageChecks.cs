using System.Text.Json;
using Microsoft.Playwright;

namespace ClipSharp.Server.Tests;

/// <summary>What the browser tests check on a page: axe-core's serious and critical violations, horizontal overflow, screenshots.</summary>
internal static class PageChecks
{
    /// <summary>axe-core's violations of impact serious or critical, each as "rule: selectors".</summary>
    public static async Task<IReadOnlyList<string>> SeriousViolationsAsync(IPage page)
    {
        var violations = await page.EvaluateAsync<JsonElement>("""
            async () => {
              const result = await axe.run(document, { resultTypes: ['violations'] });
              return result.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => `${v.id} (${v.impact}): ${v.nodes.slice(0, 4).map(n => n.target.join(' ') + ' ' + (n.failureSummary || '').replace(/\s+/g, ' ')).join(' | ')}`);
            }
            """);
        return [.. violations.EnumerateArray().Select(v => v.GetString()!)];
    }

    /// <summary>Asserts no serious or critical axe-core violation, listing them when there are.</summary>
    public static async Task AssertAccessibleAsync(IPage page, string state)
    {
        var violations = await SeriousViolationsAsync(page);
        Assert.True(violations.Count == 0, $"{state}: {violations.Count} serious/critical axe violations:\n" + string.Join('\n', violations));
    }

    /// <summary>The page's scrollable width (document.documentElement.scrollWidth).</summary>
    public static Task<int> ScrollWidthAsync(IPage page) => page.EvaluateAsync<int>("() => document.documentElement.scrollWidth");

    /// <summary>Saves a full-page screenshot (the viewport only while a modal is open) as NAME.png in the screenshot folder.</summary>
    public static async Task ScreenshotAsync(IPage page, string name, bool fullPage = true)
    {
        Directory.CreateDirectory(BrowserFixture.ScreenshotFolder);
        await page.ScreenshotAsync(new PageScreenshotOptions
        {
            Path = Path.Combine(BrowserFixture.ScreenshotFolder, name + ".png"),
            FullPage = fullPage,
            Scale = ScreenshotScale.Css, // CSS pixels: a phone's screenshot is 390 wide, whatever its pixel ratio
        });
    }

    /// <summary>Waits until every thumbnail shown has loaded (lazy ones made eager first).</summary>
    public static async Task AllThumbnailsLoadedAsync(IPage page)
    {
        await page.EvalOnSelectorAllAsync("#results img", "imgs => imgs.forEach(i => i.loading = 'eager')");
        await page.WaitForFunctionAsync("() => [...document.querySelectorAll('#results img')].every(i => i.complete && i.naturalWidth > 0)");
    }
}
