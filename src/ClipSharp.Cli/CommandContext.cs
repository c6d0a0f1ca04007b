using System.CommandLine;
using ClipSharp.Imaging;
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
        Description = $"Model folder (open_clip/Immich or Hugging Face ONNX layout). Default: ${ModelEnvironmentVariable}.",
        HelpName = "DIR",
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

    /// <summary>The model folder from --model or the environment; a usage error when neither is given.</summary>
    public static string ResolveModelPath(string? option)
    {
        string? path = string.IsNullOrWhiteSpace(option) ? Environment.GetEnvironmentVariable(ModelEnvironmentVariable) : option;
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new CliUsageException($"no model given: pass --model DIR (a folder holding an open_clip or Hugging Face ONNX export of CLIP) or set {ModelEnvironmentVariable}");
        }

        return path;
    }

    public static ClipModel LoadModel(string? option, string? variant = null)
        => ClipModel.Load(ResolveModelPath(option), new ClipModelOptions { Variant = string.IsNullOrWhiteSpace(variant) ? null : variant });

    public void Warn(string message) => Console.Error.WriteLine("warning: " + message);

    public void Fail(string message) => Console.Error.WriteLine("error: " + message);

    /// <summary>Reads non-empty lines from standard input (for commands that take texts there).</summary>
    public List<string> ReadInputLines()
    {
        var lines = new List<string>();
        string? line;
        while ((line = Console.In.ReadLine()) is not null)
        {
            if (line.Length > 0)
            {
                lines.Add(line);
            }
        }

        return lines;
    }

    /// <summary>The preprocessing for an image command: the model's own config, or OpenAI's when no model is named.</summary>
    public static PreprocessConfig ResolvePreprocess(string? modelOption)
    {
        string? path = string.IsNullOrWhiteSpace(modelOption) ? Environment.GetEnvironmentVariable(ModelEnvironmentVariable) : modelOption;
        if (string.IsNullOrWhiteSpace(path))
        {
            return PreprocessConfig.OpenAI;
        }

        using var model = ClipModel.Load(path);
        return model.Preprocessor.Config;
    }

    public static ClipTokenizer ResolveTokenizer(string? modelOption, string? vocab, int? padId)
    {
        var options = new ClipTokenizerOptions { PadId = padId };
        if (!string.IsNullOrWhiteSpace(vocab))
        {
            return ClipTokenizer.Load(vocab, options);
        }

        // A model folder holds its tokenizer files (at the root or in textual/); the tokenizer finds them.
        return ClipTokenizer.Load(ResolveModelPath(modelOption), options);
    }
}
