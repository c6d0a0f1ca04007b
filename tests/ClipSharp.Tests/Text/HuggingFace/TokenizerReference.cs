using System.Diagnostics;
using System.Text.Json;
using Xunit;

namespace ClipSharp.Tests.Text.HuggingFace;

/// <summary>
/// The reference implementations the tokenizer.json engine is compared with, run as child processes:
/// Hugging Face's JavaScript tokenizers under Node (tests/tokenizers-js, installed by <c>npm ci</c>) and Google's
/// sentencepiece under Debian's python3 (python3-sentencepiece). Each skips the calling test when its runtime is
/// missing, except under CI=true, where a missing reference is a broken run.
/// </summary>
internal static class TokenizerReference
{
    private static readonly Lazy<string?> s_nodeModules = new(InstallNodeModules);
    private static readonly Lazy<string?> s_python = new(FindSentencePiecePython);

    public static string DataDir => Path.Combine(TestData.RepoRoot, "tests", "data", "tokenizers");

    public static string CorpusPath => Path.Combine(DataDir, "corpus.jsonl");

    public static string JsDir => Path.Combine(TestData.RepoRoot, "tests", "tokenizers-js");

    private static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The corpus texts, in file order.</summary>
    public static IReadOnlyList<string> Corpus() => [.. File.ReadAllLines(CorpusPath).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<string>(l)!)];

    /// <summary>tests/tokenizers-js/node_modules, installed on first use; skips the test without Node.</summary>
    public static string RequireNodeModules()
    {
        string? dir = s_nodeModules.Value;
        if (dir is null && InCi)
        {
            throw new InvalidOperationException("CI=true but Node/npm or the tests/tokenizers-js packages are missing (.ci/run installs them with npm ci).");
        }

        Skip.If(dir is null, "Node.js and npm are needed for the JavaScript reference tokenizer (tests/tokenizers-js); not found.");
        return dir!;
    }

    /// <summary>Stock (or, with <paramref name="rust"/>, Rust-corrected) JavaScript ids and normalized text per corpus text.</summary>
    public static IReadOnlyList<(int[] Ids, string Normalized)> JavaScript(string tokenizerJson, bool rust = false)
    {
        RequireNodeModules();
        string[] args = rust ? ["reference.mjs", tokenizerJson, CorpusPath, "--rust"] : ["reference.mjs", tokenizerJson, CorpusPath];
        return [.. Run("node", JsDir, args).Select(l =>
        {
            using JsonDocument d = JsonDocument.Parse(l);
            return (d.RootElement.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                d.RootElement.GetProperty("normalized").GetString()!);
        })];
    }

    /// <summary>sentencepiece's ids of each corpus text (or of each of <paramref name="texts"/>) for a .model file.</summary>
    public static IReadOnlyList<int[]> SentencePiece(string model, IReadOnlyList<string>? texts = null)
    {
        string? python = s_python.Value;
        if (python is null && InCi)
        {
            throw new InvalidOperationException("CI=true but python3 with sentencepiece (apt python3-sentencepiece) is missing.");
        }

        Skip.If(python is null, "python3 with sentencepiece (Debian's python3-sentencepiece) is needed for the sentencepiece reference; not found.");
        if (texts is null)
        {
            return [.. Run(python!, DataDir, ["spm_reference.py", model, CorpusPath]).Select(l => JsonSerializer.Deserialize<int[]>(l)!)];
        }

        string file = Path.Combine(Path.GetTempPath(), $"clipsharp-spm-{Environment.ProcessId}-{Guid.NewGuid():N}.jsonl");
        try
        {
            File.WriteAllLines(file, texts.Select(t => JsonSerializer.Serialize(t)));
            return [.. Run(python!, DataDir, ["spm_reference.py", model, file]).Select(l => JsonSerializer.Deserialize<int[]>(l)!)];
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static List<string> Run(string fileName, string workingDirectory, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            StandardOutputEncoding = System.Text.Encoding.UTF8,
        };
        foreach (string a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var p = Process.Start(psi)!;
        Task<string> stderr = p.StandardError.ReadToEndAsync();
        var lines = new List<string>();
        while (p.StandardOutput.ReadLine() is string line)
        {
            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"{fileName} {string.Join(' ', args)} did not finish in 3 minutes");
        }

        if (p.ExitCode != 0)
        {
            throw new InvalidOperationException($"{fileName} {string.Join(' ', args)} exited with {p.ExitCode}: {stderr.Result}");
        }

        return lines;
    }

    private static string? InstallNodeModules()
    {
        string modules = Path.Combine(JsDir, "node_modules");
        if (!Directory.Exists(Path.Combine(modules, "@huggingface", "tokenizers")))
        {
            try
            {
                Run("npm", JsDir, ["ci", "--no-audit", "--no-fund", "--loglevel=error"]);
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
                return null;
            }
        }

        try
        {
            Run("node", JsDir, ["--version"]);
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return null;
        }

        return modules;
    }

    private static string? FindSentencePiecePython()
    {
        // Debian's python3-sentencepiece lives in the system interpreter, which a pyenv or venv python3 on PATH hides.
        foreach (string candidate in new[] { "/usr/bin/python3", "python3" })
        {
            try
            {
                Run(candidate, DataDir, ["-c", "import sentencepiece"]);
                return candidate;
            }
            catch (Exception e) when (e is System.ComponentModel.Win32Exception or InvalidOperationException)
            {
            }
        }

        return null;
    }
}
