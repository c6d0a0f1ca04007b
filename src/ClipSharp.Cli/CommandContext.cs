using System.CommandLine;
using ClipSharp.Imaging;
using ClipSharp.Models;
using ClipSharp.Text;

namespace ClipSharp.Cli;

/// <summary>What every command shares: the console, the common options, and how a model is found.</summary>
internal sealed class CommandContext
{
    public const string ModelEnvironmentVariable = "CLIPSHARP_MODEL";

    public CommandContext(CliConsole console) => Console = console;

    public CliConsole Console { get; }

    public static Option<string?> ModelOption() => new("--model", "-m")
    {
        Description = $"A model folder (open_clip/Immich or Hugging Face ONNX layout) or a catalog name such as {ModelCatalog.DefaultModelName} or clip-vit-base-patch32:quantized (see 'models list'). Default: ${ModelEnvironmentVariable}, else {ModelCatalog.DefaultModelName}.",
        HelpName = "NAME|DIR",
    };

    public static Option<bool> JsonOption() => new("--json")
    {
        Description = "Print JSON lines, one object per input.",
    };

    public static Option<string?> VariantOption() => new("--variant")
    {
        Description = "Hugging Face layout: load onnx/*_VARIANT.onnx, e.g. 'quantized' or 'fp16'.",
        HelpName = "NAME",
    };

    public static Option<bool> OfflineOption() => new("--offline")
    {
        Description = "Never use the network: a catalog model must already be in the cache (also HF_HUB_OFFLINE=1).",
    };

    /// <summary>The model reference from --model, else $CLIPSHARP_MODEL, else the catalog default.</summary>
    public static string ModelReference(string? option)
    {
        string? reference = string.IsNullOrWhiteSpace(option) ? Environment.GetEnvironmentVariable(ModelEnvironmentVariable) : option;
        return string.IsNullOrWhiteSpace(reference) ? ModelCatalog.DefaultModelName : reference;
    }

    public ModelHub CreateHub(bool offline)
    {
        var options = ModelHubOptions.FromEnvironment();
        options.Offline |= offline;
        return ModelHub.Create(options);
    }

    /// <summary>
    /// Finds the model folder (pulling a catalog model on first use, with a message) and loads it; with
    /// <paramref name="warm"/> both ONNX sessions start loading while the tokenizer is read (commands that need both towers).
    /// <paramref name="decodeMemory"/> is the decode memory budget (null: the process-wide default).
    /// </summary>
    public async Task<ClipModel> LoadModelAsync(string? option, string? variant, bool offline, CancellationToken cancellationToken, bool warm = false, DecodeMemoryBudget? decodeMemory = null)
    {
        using var hub = CreateHub(offline);
        return await hub.LoadModelAsync(ModelReference(option), new ClipModelOptions { Variant = variant, WarmInBackground = warm, DecodeMemory = decodeMemory },
            new DownloadReporter(Console), Warn, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>The <c>--decode-memory-mb</c> option of the commands that decode many images (serve, index).</summary>
    public static Option<int?> DecodeMemoryOption() => new("--decode-memory-mb")
    {
        Description = $"The most memory, in MiB, that image decodes may hold at once (default {DecodeMemoryBudget.DefaultCapacityBytes / (1024 * 1024)}); decodes wait for it, and an image whose decode alone needs more is refused.",
        HelpName = "MB",
    };

    /// <summary>The budget <c>--decode-memory-mb</c> asks for; null (the process-wide default) when it is not given.</summary>
    public static DecodeMemoryBudget? DecodeMemoryFrom(int? megabytes)
        => megabytes switch
        {
            null => null,
            <= 0 => throw new CliUsageException($"--decode-memory-mb must be positive, got {megabytes}"),
            _ => new DecodeMemoryBudget(megabytes.Value * 1024L * 1024),
        };

    /// <summary>The model folder for commands that read only its configuration files.</summary>
    public async Task<string> ResolveModelFolderAsync(string? option, bool offline, CancellationToken cancellationToken)
    {
        using var hub = CreateHub(offline);
        var resolved = await hub.ResolveAsync(ModelReference(option), new DownloadReporter(Console), Warn, cancellationToken).ConfigureAwait(false);
        return resolved.Folder;
    }

    public void Warn(string message) => Console.Error.WriteLine("warning: " + message);

    /// <summary>Tells the user of something the command did besides its work (on stderr, so output stays clean).</summary>
    public void Note(string message) => Console.Error.WriteLine("note: " + message);

    public void Fail(string message) => Console.Error.WriteLine("error: " + message);

    /// <summary>
    /// Reads texts from standard input, one per line: a blank line is an empty text (its output line keeps the
    /// numbering), a final newline ends the last text. No text at all is a usage error (exit 2).
    /// </summary>
    public List<string> ReadInputLines()
    {
        var lines = new List<string>();
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            lines.Add(line);
        }

        if (lines.Count == 0)
        {
            throw new CliUsageException("no texts given (pass them as arguments or one per line on standard input)");
        }

        return lines;
    }

    /// <summary>Warns, as <c>tokenize</c> does, about each text longer than the model's context (it is truncated).</summary>
    public void WarnTruncated(ClipTokenizer tokenizer, IReadOnlyList<string> texts, string what = "text")
    {
        for (int i = 0; i < texts.Count; i++)
        {
            var tokens = tokenizer.Tokenize(texts[i]);
            if (tokens.Truncated)
            {
                Warn(TruncationWarning(i + 1, tokens.UntruncatedLength, tokenizer.ContextLength, what));
            }
        }
    }

    /// <summary>The one wording of the truncation warning (tokenize, embed text, classify).</summary>
    public static string TruncationWarning(int number, int needed, int contextLength, string what = "text")
        => string.Create(System.Globalization.CultureInfo.InvariantCulture,
            $"{what} {number} needs {needed} tokens; truncated to {contextLength} (the last kept token is end-of-text)");

    /// <summary>The preprocessing for an image command: the model's own config, or OpenAI's when no model is named.</summary>
    public async Task<PreprocessConfig> ResolvePreprocessAsync(string? modelOption, bool offline, CancellationToken cancellationToken)
    {
        string? reference = string.IsNullOrWhiteSpace(modelOption) ? Environment.GetEnvironmentVariable(ModelEnvironmentVariable) : modelOption;
        if (string.IsNullOrWhiteSpace(reference))
        {
            return PreprocessConfig.OpenAI;
        }

        using var model = await LoadModelAsync(reference, null, offline, cancellationToken).ConfigureAwait(false);
        return model.Preprocessor.Config;
    }

    public async Task<ClipTokenizer> ResolveTokenizerAsync(string? modelOption, string? vocab, int? padId, int? contextLength, bool offline, CancellationToken cancellationToken)
    {
        var options = new ClipTokenizerOptions { PadId = padId, ContextLength = contextLength };
        if (!string.IsNullOrWhiteSpace(vocab))
        {
            return ClipTokenizer.Load(vocab, options);
        }

        // A model folder holds its tokenizer files (at the root or in textual/); the tokenizer finds them.
        string folder = await ResolveModelFolderAsync(modelOption, offline, cancellationToken).ConfigureAwait(false);
        return ClipTokenizer.Load(folder, options);
    }
}
