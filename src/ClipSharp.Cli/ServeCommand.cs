using System.CommandLine;
using System.Globalization;
using ClipSharp.Imaging;
using ClipSharp.Index;
using ClipSharp.Server;

namespace ClipSharp.Cli;

/// <summary><c>clipsharp serve</c>: the HTTP API and web page on Kestrel.</summary>
internal static class ServeCommand
{
    public const string ApiKeyEnvironmentVariable = "CLIPSHARP_API_KEY";

    public static Command Create(CommandContext ctx)
    {
        var index = new Option<string?>("--index", "--store") { Description = $"The photo index to search: a folder made by 'clipsharp index', or a PostgreSQL store (postgres://…, Host=…). Default: ${IndexStores.StoreEnvironmentVariable}, else ${IndexStores.IndexEnvironmentVariable}; without any, no search.", HelpName = "PATH|STORE" };
        var model = CommandContext.ModelOption();
        var variant = CommandContext.VariantOption();
        var offline = CommandContext.OfflineOption();
        var urls = new Option<string[]>("--urls") { Description = $"Addresses to listen on (default {ClipServerOptions.DefaultUrl}: loopback only). Port 0 picks a free port.", HelpName = "URL" };
        var apiKey = new Option<string?>("--api-key") { Description = $"Require this key in the X-API-Key header for everything but /healthz and /readyz (default: ${ApiKeyEnvironmentVariable}).", HelpName = "KEY" };
        var cors = new Option<string[]>("--cors") { Description = "Allow this browser origin (e.g. https://app.example); repeat for more. CORS is off by default.", HelpName = "ORIGIN" };
        var noBatching = new Option<bool>("--no-batching") { Description = "Run every request's inference on its own instead of combining concurrent requests." };
        var window = new Option<double>("--batch-window-ms") { Description = "How long a batch waits for more requests (default 3).", DefaultValueFactory = _ => 3, HelpName = "MS" };
        var maxBatch = new Option<int>("--max-batch") { Description = "The most texts or images in one inference call (default 32).", DefaultValueFactory = _ => 32, HelpName = "N" };
        var queue = new Option<int>("--queue-limit") { Description = "The most items waiting per model tower before requests get 503 (default 512).", DefaultValueFactory = _ => 512, HelpName = "N" };
        var maxBody = new Option<int>("--max-request-mb") { Description = "The largest request body in MiB (default 32).", DefaultValueFactory = _ => 32, HelpName = "MB" };
        var maxPixels = new Option<double>("--max-megapixels") { Description = "The largest image in megapixels (default 50).", DefaultValueFactory = _ => 50, HelpName = "MP" };
        var timeout = new Option<double>("--timeout") { Description = "Seconds before a request is answered 504 (default 30).", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };
        var maxPrompts = new Option<int>("--max-prompts") { Description = "The most prompts (labels × templates) one classify request may embed (default 4096).", DefaultValueFactory = _ => 4096, HelpName = "N" };
        var decodeMemory = CommandContext.DecodeMemoryOption();
        var shutdownTimeout = new Option<double>("--shutdown-timeout") { Description = "On SIGTERM or Ctrl-C, seconds running requests may take to finish before they are cut (default 30); a second signal stops at once.", DefaultValueFactory = _ => 30, HelpName = "SECONDS" };
        var command = new Command("serve", "Serve the HTTP API (embeddings, classification, caption ranking, photo search) and the web page.")
        {
            index, model, variant, offline, urls, apiKey, cors, noBatching, window, maxBatch, queue, maxBody, maxPixels, timeout, maxPrompts, decodeMemory, shutdownTimeout,
        };
        command.SetAction(async (parse, cancel) =>
        {
            // Ctrl-C/SIGTERM are handled here, not by System.CommandLine (CliApp turns its 2 s limit off for serve):
            // the first drains running requests, a second stops at once.
            using var signals = new ShutdownSignals(cancel);
            string? key = parse.GetValue(apiKey);
            key = string.IsNullOrEmpty(key) ? Environment.GetEnvironmentVariable(ApiKeyEnvironmentVariable) : key;
            var options = new ClipServerOptions
            {
                ApiKey = string.IsNullOrEmpty(key) ? null : key,
                CorsOrigins = parse.GetValue(cors) ?? [],
                MaxRequestBytes = Positive(parse.GetValue(maxBody), "--max-request-mb") * 1024L * 1024,
                MaxImagePixels = (long)(Positive(parse.GetValue(maxPixels), "--max-megapixels") * 1_000_000),
                RequestTimeout = TimeSpan.FromSeconds(Positive(parse.GetValue(timeout), "--timeout")),
                MaxPromptsPerRequest = Positive(parse.GetValue(maxPrompts), "--max-prompts"),
                ShutdownTimeout = TimeSpan.FromSeconds(NotNegative(parse.GetValue(shutdownTimeout), "--shutdown-timeout")),
                Batching = new BatchingOptions
                {
                    Enabled = !parse.GetValue(noBatching),
                    Window = TimeSpan.FromMilliseconds(Math.Max(0, parse.GetValue(window))),
                    MaxBatchSize = Positive(parse.GetValue(maxBatch), "--max-batch"),
                    QueueCapacity = Positive(parse.GetValue(queue), "--queue-limit"),
                },
                Log = message => ctx.Console.Error.WriteLine(message),
            };
            string[] given = parse.GetValue(urls) ?? [];
            if (given.Length > 0)
            {
                options.Urls = given;
            }

            foreach (string url in options.Urls)
            {
                if (!Uri.TryCreate(url.Replace("://*", "://0.0.0.0", StringComparison.Ordinal).Replace("://+", "://0.0.0.0", StringComparison.Ordinal), UriKind.Absolute, out var uri) || (uri.Scheme != "http" && uri.Scheme != "https"))
                {
                    throw new CliUsageException($"--urls: '{url}' is not an http:// or https:// address");
                }

                if (!uri.IsLoopback && options.ApiKey is null)
                {
                    ctx.Warn($"{url} is reachable from other machines and no API key is set (--api-key or ${ApiKeyEnvironmentVariable})");
                }
            }

            // The index is resolved and opened as `search` does (--index/--store, $CLIPSHARP_STORE, $CLIPSHARP_INDEX); a
            // server without any of them has no search.
            string? indexOption = parse.GetValue(index);
            IPhotoIndex? photoIndex = IndexStores.IsNamed(indexOption, null)
                ? await IndexCommandContext.OpenExistingAsync(IndexStores.Resolve(indexOption, null, IndexCommandContext.Providers), signals.Token).ConfigureAwait(false)
                : null;
            ClipModel clip;
            try
            {
                // Resolve (and if needed download) the model before listening; warm it in the background. Without
                // --model, an index's own model is used, as `search` does ($CLIPSHARP_MODEL only when it records none);
                // it must be the model the index was built with.
                DecodeMemoryBudget? budget = CommandContext.DecodeMemoryFrom(parse.GetValue(decodeMemory));
                string? modelReference = parse.GetValue(model);
                if (photoIndex is not null)
                {
                    modelReference = IndexCommandContext.QueryModelReference(await photoIndex.Store.GetMetadataAsync(signals.Token).ConfigureAwait(false), modelReference);
                }

                clip = await ctx.LoadModelAsync(modelReference, parse.GetValue(variant), parse.GetValue(offline), signals.Token, decodeMemory: budget).ConfigureAwait(false);
                try
                {
                    if (photoIndex is not null)
                    {
                        _ = await IndexStores.EnsureModelAsync(photoIndex, clip, a => ctx.Note(a.Message), signals.Token).ConfigureAwait(false);
                    }
                }
                catch
                {
                    clip.Dispose();
                    throw;
                }
            }
            catch
            {
                if (photoIndex is not null)
                {
                    await photoIndex.DisposeAsync().ConfigureAwait(false);
                }

                throw;
            }

            // The server owns the index from here (it disposes it); its search structures are readied in the background.
            Func<CancellationToken, Task<IPhotoIndex?>>? search = photoIndex is null
                ? null
                : async token =>
                {
                    try
                    {
                        await photoIndex.PrepareAsync(token).ConfigureAwait(false);
                        return photoIndex;
                    }
                    catch
                    {
                        await photoIndex.DisposeAsync().ConfigureAwait(false);
                        throw;
                    }
                };
            await using var server = ClipServer.Create(options, _ => Task.FromResult<IClipEmbedder>(new ClipModelEmbedder(clip, fastJpegDecode: false, ownsModel: true)), search);
            try
            {
                await server.StartAsync(signals.Token).ConfigureAwait(false);
            }
            catch (IOException ex)
            {
                clip.Dispose();
                if (photoIndex is not null)
                {
                    await photoIndex.DisposeAsync().ConfigureAwait(false);
                }

                throw new CliUsageException("cannot listen: " + ex.Message);
            }

            foreach (string address in server.Addresses)
            {
                await ctx.Console.Out.WriteLineAsync("listening on " + address).ConfigureAwait(false);
            }

            await ctx.Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await server.Ready.WaitAsync(signals.Token).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
                throw ex as ClipSharpException ?? new ClipSharpException(ClipErrorKind.InvalidModel, "the model failed to load: " + ex.Message, clip.Folder, ex);
            }

            await ctx.Console.Out.WriteLineAsync("ready").ConfigureAwait(false);
            await ctx.Console.Out.FlushAsync(CancellationToken.None).ConfigureAwait(false);
            try
            {
                await Task.Delay(Timeout.Infinite, signals.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: stop gracefully.
            }

            ctx.Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"stopping{(signals.First is { } signal ? " on " + signal : "")}: letting running requests finish (up to {options.ShutdownTimeout.TotalSeconds:0.#} s; a second signal stops at once)"));
            bool drained = await server.StopAsync(CancellationToken.None).ConfigureAwait(false);
            ctx.Console.Error.WriteLine(drained ? "stopped" : "stopped: requests still running after the shutdown timeout were cut");
            return CliApp.Ok;
        });
        return command;
    }

    private static int Positive(int value, string name)
        => value > 0 ? value : throw new CliUsageException($"{name} must be positive");

    private static double NotNegative(double value, string name)
        => value >= 0 && double.IsFinite(value) ? value : throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"{name} must not be negative"));

    private static double Positive(double value, string name)
        => value > 0 && double.IsFinite(value) ? value : throw new CliUsageException(string.Create(CultureInfo.InvariantCulture, $"{name} must be positive"));
}
