using System.CommandLine;
using System.Globalization;
using ClipSharp.Imaging;
using ClipSharp.IO;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp preprocess IMAGE --out FILE.npy</c>: the exact float32 model input.</summary>
internal static class PreprocessCommand
{
    public static Command Create(CommandContext ctx)
    {
        var image = new Argument<string>("image") { Description = "The image file." };
        var output = new Option<string>("--out", "-o") { Description = "Where to write the float32 [1,3,S,S] tensor (NumPy .npy).", HelpName = "FILE.npy", Required = true };
        var model = CommandContext.ModelOption();
        model.Description = "Model folder whose preprocessing config to use (default: $CLIPSHARP_MODEL, else OpenAI's 224-pixel CLIP preprocessing).";
        var offline = CommandContext.OfflineOption();
        var command = new Command("preprocess", "Decode an image and write the exact CLIP model input as a NumPy .npy file.") { image, output, model, offline };
        command.SetAction(async (parse, cancel) =>
        {
            var config = await ctx.ResolvePreprocessAsync(parse.GetValue(model), parse.GetValue(offline), cancel).ConfigureAwait(false);
            string path = parse.GetValue(image)!;
            string target = parse.GetValue(output)!;
            var decoded = ImageDecoder.Decode(path);
            float[] pixels = ImagePreprocessor.Create(config).Preprocess(decoded);
            WriteAtomically(target, pixels, [1, 3, config.Size, config.Size]);
            ctx.Console.Out.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{target}: float32 [1, 3, {config.Size}, {config.Size}] from {path} ({decoded.Width}×{decoded.Height} {decoded.SourceFormat})"));
            return CliApp.Ok;
        });
        return command;
    }

    /// <summary>Writes to a temporary file beside the target, then renames: a failed run never leaves half a file.</summary>
    public static void WriteAtomically(string target, ReadOnlySpan<float> data, ReadOnlySpan<int> shape)
    {
        string full = Path.GetFullPath(target);
        string? dir = Path.GetDirectoryName(full);
        if (dir is not null && !Directory.Exists(dir))
        {
            throw new ClipSharpException(ClipErrorKind.Io, "the output folder does not exist", target);
        }

        string temp = full + ".tmp-" + Environment.ProcessId.ToString(CultureInfo.InvariantCulture);
        try
        {
            Npy.Write(temp, data, shape);
            File.Move(temp, full, overwrite: true);
        }
        catch (IOException ex)
        {
            File.Delete(temp);
            throw new ClipSharpException(ClipErrorKind.Io, "cannot write: " + ex.Message, target, ex);
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new ClipSharpException(ClipErrorKind.Io, "cannot write: " + ex.Message, target, ex);
        }
    }
}
