using System.Diagnostics;
using ClipSharp.Index;
using ClipSharp.Tests;
using Xunit;

namespace ClipSharp.Cli.Tests;

/// <summary>
/// The command line as people use it (issue 15): the index owns its model, progress fits, queries never guess,
/// exit codes and streams follow the documented table.
/// </summary>
public sealed class CommandLineContractTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("clipsharp-cli-contract-").FullName;

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string IndexDir => Path.Combine(_root, "index");

    private static readonly Dictionary<string, string?> s_noModelVariable = new() { ["CLIPSHARP_MODEL"] = null };

    /// <summary>A folder with two real photos (copies, so tests may change them).</summary>
    private string Photos()
    {
        string folder = Path.Combine(_root, "photos");
        Directory.CreateDirectory(folder);
        foreach (string name in new[] { "cat-chelsea.png", "coffee-cup.png" })
        {
            File.Copy(TestData.Path("photos", name), Path.Combine(folder, name), overwrite: true);
        }

        return folder;
    }

    [SkippableFact]
    public void Index_ExistingIndexWithoutModel_UsesTheModelItRecordsAndSaysUpToDateOnly()
    {
        string photos = Photos();
        var first = Cli.RunProcess(s_noModelVariable, "index", photos, "--index", IndexDir, "--model", Golden.ModelDir("openclip"));
        Assert.True(first.ExitCode == 0, first.Error);

        // No --model and no $CLIPSHARP_MODEL: the catalog default would be downloaded; the index's own model is used.
        var again = Cli.RunProcess(s_noModelVariable, "index", photos, "--index", IndexDir);

        Assert.True(again.ExitCode == 0, again.Error);
        Assert.Equal([$"{IndexDir}: up to date (2 files)"], again.OutLines);
        Assert.Equal("", again.Error);
    }

    [SkippableFact]
    public void Index_DifferentModelWithoutRebuild_IsRefusedNamingBothAndNothingIsReEmbedded()
    {
        string photos = Photos();
        var first = CliRunner.Run("index", photos, "--index", IndexDir, "--model", Golden.ModelDir("openclip"), "--json");
        Assert.True(first.ExitCode == 0, first.Error);

        var refused = CliRunner.Run("index", photos, "--index", IndexDir, "--model", Golden.ModelDir("hf"));

        Assert.Equal(2, refused.ExitCode);
        // Both models by their content ids and by how they were named.
        Assert.Equal(2, refused.Error.Split("content:").Length - 1);
        Assert.Contains(Path.GetFullPath(Golden.ModelDir("openclip")), refused.Error, StringComparison.Ordinal);
        Assert.Contains(Golden.ModelDir("hf"), refused.Error, StringComparison.Ordinal);
        Assert.Contains("--rebuild", refused.Error, StringComparison.Ordinal);
        var rebuilt = CliRunner.Run("index", photos, "--index", IndexDir, "--model", Golden.ModelDir("hf"), "--rebuild", "--json");
        Assert.True(rebuilt.ExitCode == 0, rebuilt.Error);
        Assert.Equal((2, true), (rebuilt.Json[0].GetProperty("embedded").GetInt32(), rebuilt.Json[0].GetProperty("modelChanged").GetBoolean()));
    }

    [SkippableFact]
    public async Task Search_WithoutModel_UsesTheIndexsModelEvenWhenTheVariableNamesAnother()
    {
        string photos = Photos();
        Assert.Equal(0, CliRunner.Run("index", photos, "--index", IndexDir, "--model", Golden.ModelDir("openclip")).ExitCode);
        await using (var index = PhotoIndex.Open(IndexDir))
        {
            Assert.Equal(Golden.ModelDir("openclip"), (await index.Store.GetMetadataAsync())!.ModelReference);
        }

        var search = Cli.RunProcess(new Dictionary<string, string?> { ["CLIPSHARP_MODEL"] = Golden.ModelDir("hf") }, "search", "a cat", "--index", IndexDir, "--json");

        Assert.True(search.ExitCode == 0, search.Error);
        Assert.Equal(2, search.Json.Length);
    }

    [SkippableFact]
    public void Index_TerminalProgress_FitsTheWidthWithBarPercentageCountAndEta()
    {
        foreach (int width in new[] { 80, 120, 60 })
        {
            foreach (var p in new[]
            {
                new IndexProgress(40, false, 40, 0, 0, 0, 0, 0, null),
                new IndexProgress(333, true, 333, 64, 60, 3, 1, 12.5, TimeSpan.FromSeconds(95)),
                new IndexProgress(1_234_567, true, 1_234_567, 1_000_000, 999_000, 900, 100, 123.4, TimeSpan.FromHours(30)),
            })
            {
                string line = IndexProgressLine.Terminal(p, width);
                Assert.True(line.Length <= width - 1, $"{line.Length} > {width - 1}: {line}");
                Assert.Matches(@"^\[[#-]+\] +\d+% +\d+/\d+\+? +ETA (--:--|\d+:\d\d:\d\d)", line);
            }
        }
    }

    [SkippableFact]
    public void Index_PlainProgress_CountsAddUp()
    {
        string line = IndexProgressLine.Plain(new IndexProgress(50, true, 42, 16, 12, 2, 1, 3.0, TimeSpan.FromSeconds(9)) { Unchanged = 8 });
        Assert.Equal("indexing: 16 of 42 files to update done (12 embedded, 2 re-used, 1 failed, 1 not images or gone); 50 found, 8 unchanged; 3.0 images/s, ETA 0:00:09", line);
    }

    [SkippableFact]
    public void Index_SummaryOfARunWithAFailure_CountsItOnceAndTheCountsAddUp()
    {
        string photos = Photos();
        File.WriteAllText(Path.Combine(photos, "broken.jpg"), "not a jpeg");
        Assert.Equal(0, CliRunner.Run("index", photos, "--index", IndexDir, "--model", Golden.ModelDir("openclip")).ExitCode);
        File.Copy(TestData.Path("photos", "autumn-leaves.jpg"), Path.Combine(photos, "new.jpg"));

        var second = CliRunner.Run("index", photos, "--index", IndexDir, "--model", Golden.ModelDir("openclip"));

        Assert.True(second.ExitCode == 0, second.Error);
        Assert.Contains("this run found 4: 1 embedded, 0 re-used, 2 unchanged, 1 failed, 0 not images; 0 removed", second.OutLines[0], StringComparison.Ordinal);
    }

    [SkippableTheory]
    [InlineData("")]
    [InlineData("   ")]
    public void Search_EmptyQuery_IsAUsageErrorSayingSo(string query)
    {
        var result = CliRunner.Run("search", query, "--index", IndexDir);

        Assert.Equal(2, result.ExitCode);
        Assert.StartsWith("error: the query is empty", result.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Search_PathLikeTermThatDoesNotExist_IsAUsageErrorNamingIt()
    {
        var result = CliRunner.Run("search", "./no-such-photo.jpg + snow", "--index", IndexDir);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("./no-such-photo.jpg", result.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Dupes_PathsWithControlCharacters_AreEscapedInTextAndExactInJson()
    {
        string pics = Path.Combine(_root, "pics");
        Directory.CreateDirectory(pics);
        string odd = Path.Combine(pics, "two\nlines\tand\u001b[31mred.png"), plain = Path.Combine(pics, "plain.png");
        await using (var index = PhotoIndex.Open(IndexDir))
        {
            await index.Store.SetMetadataAsync(new IndexMetadata("test-model@1", "pre", 2));
            var batch = new IndexBatch();
            foreach (string p in new[] { odd, plain })
            {
                batch.Upserts.Add(new IndexedFile { Path = p, Sha256 = "same", VectorKey = "test-model@1|pre", Embedding = [1, 0] });
            }

            await index.Store.CommitAsync(batch);
        }

        var text = CliRunner.Run("dupes", "--index", IndexDir);
        var json = CliRunner.Run("dupes", "--index", IndexDir, "--json");

        Assert.True(text.ExitCode == 0, text.Error);
        Assert.Equal(["exact (2 copies):", plain, Path.Combine(pics, "two\\nlines\\tand\\x1b[31mred.png")], text.OutLines);
        Assert.Equal([plain, odd], json.Json[0].GetProperty("paths").EnumerateArray().Select(p => p.GetString()!).Order(StringComparer.Ordinal).ToArray());
    }

    [SkippableFact]
    public void Tokenize_BlankStdinLines_AreKeptAsEmptyTexts()
    {
        string vocab = TestData.Path("tokenizer", "openai", "bpe_simple_vocab_16e6.txt.gz");

        var result = CliRunner.RunWithInput("a\n\nb\n", "tokenize", "--vocab", vocab, "--json");

        Assert.True(result.ExitCode == 0, result.Error);
        Assert.Equal(["a", "", "b"], result.Json.Select(j => j.GetProperty("text").GetString()!).ToArray());
    }

    [SkippableFact]
    public void TokenizeAndEmbedText_EmptyStdin_AreBothUsageErrors()
    {
        string vocab = TestData.Path("tokenizer", "openai", "bpe_simple_vocab_16e6.txt.gz");

        var tokenize = CliRunner.RunWithInput("", "tokenize", "--vocab", vocab);
        var embed = CliRunner.RunWithInput("", "embed", "text", "--model", Golden.ModelDir("openclip"));

        Assert.Equal((2, 2), (tokenize.ExitCode, embed.ExitCode));
        Assert.Equal(tokenize.Error, embed.Error);
    }

    [SkippableFact]
    public void EmbedTextAndClassify_TextOverTheContext_WarnAsTokenizeDoes()
    {
        string longText = string.Join(' ', Enumerable.Repeat("photo", 100));

        var embed = CliRunner.RunWithInput("short\n" + longText + "\n", "embed", "text", "--model", Golden.ModelDir("openclip"));
        var classify = CliRunner.Run("classify", Golden.ImagePath("astronaut.png"), "--labels", "cat," + longText, "--model", Golden.ModelDir("openclip"), "--json");

        Assert.True(embed.ExitCode == 0, embed.Error);
        Assert.Contains("warning: text 2 needs 102 tokens; truncated to 77", embed.Error, StringComparison.Ordinal);
        Assert.True(classify.ExitCode == 0, classify.Error);
        Assert.Matches(@"warning: the prompt ""a photo of a photo[^""]*"" \(label ""photo[^""]*""\) needs \d+ tokens; truncated to 77", classify.Error);
    }

    [SkippableFact]
    public void Classify_AFolder_SaysItIsAFolderAndExitsOne()
    {
        var result = CliRunner.Run("classify", TestData.Path("photos"), "--labels", "cat,dog", "--model", Golden.ModelDir("openclip"));

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("is a folder, not an image file", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("denied", result.Error, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Classify_StdoutClosedAfterTheFirstLine_StopsQuietlyWithExit141()
    {
        string image = Golden.ImagePath("astronaut.png");
        string[] args = ["classify", .. Enumerable.Repeat(image, 2000), "--labels", "cat,dog", "--model", Golden.ModelDir("openclip"), "--json"];
        using var process = Cli.StartProcess(new Dictionary<string, string?>(), [], args);
        var stderr = process.StandardError.ReadToEndAsync();

        string? first = await process.StandardOutput.ReadLineAsync();
        process.StandardOutput.Close();
        bool exited = process.WaitForExit(120_000);
        if (!exited)
        {
            process.Kill(entireProcessTree: true);
        }

        Assert.True(exited, "classify went on after its reader had gone");
        Assert.StartsWith("{\"image\":", first, StringComparison.Ordinal);
        Assert.Equal(141, process.ExitCode);
        Assert.Equal("", await stderr);
    }

    [SkippableFact]
    public void EvalZeroShot_AnImageFails_ExitsOne()
    {
        string csv = Path.Combine(_root, "set.csv");
        File.WriteAllText(csv, $"file,label\n{TestData.Path("photos", "cat-chelsea.png")},cat\n{Path.Combine(_root, "missing.jpg")},dog\n");

        var result = CliRunner.Run("eval", "zeroshot", csv, "--model", Golden.ModelDir("openclip"), "--cache", "none", "--json");

        Assert.Equal(1, result.ExitCode);
        Assert.Equal(1, result.Json[0].GetProperty("failed").GetArrayLength());
    }

    [SkippableFact]
    public void EvalZeroShot_JsonFileGivenAsCsv_IsRefusedAsJson()
    {
        string file = Path.Combine(_root, "set.csv");
        File.WriteAllText(file, "[{\"file\": \"a.jpg\", \"label\": \"cat\"}]");

        var result = CliRunner.Run("eval", "zeroshot", file, "--model", Golden.ModelDir("openclip"), "--cache", "none");

        Assert.Equal(1, result.ExitCode);
        Assert.Contains("this is JSON, not CSV", result.Error, StringComparison.Ordinal);
    }
}
