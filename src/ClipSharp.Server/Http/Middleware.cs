using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Http;

/// <summary>The server's own middleware: metrics, timeouts and problem details, the API key.</summary>
internal static class Middleware
{
    /// <summary>Counts every request by route and status, with its latency.</summary>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app, ServerState state)
        => app.Use(async (context, next) =>
        {
            long started = Stopwatch.GetTimestamp();
            state.Metrics.RequestStarted();
            try
            {
                await next(context).ConfigureAwait(false);
            }
            finally
            {
                string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? (context.GetEndpoint()?.DisplayName is { } n && n.StartsWith("static", StringComparison.Ordinal) ? "static" : "unmatched");
                state.Metrics.RequestFinished(context.Request.Method, route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
            }
        });

    /// <summary>
    /// Applies the request timeout, turns exceptions into problem documents, and gives every bodiless error
    /// response (404 of an unknown route, 405, …) a problem document too.
    /// </summary>
    public static IApplicationBuilder UseProblems(this IApplicationBuilder app, ServerState state)
        => app.Use(async (context, next) =>
        {
            CancellationToken aborted = context.RequestAborted;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(state.Options.RequestTimeout);
            context.RequestAborted = timeout.Token;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (aborted.IsCancellationRequested)
            {
                // The client went away: nobody to answer.
                context.Abort();
                return;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                if (!context.Response.HasStarted)
                {
                    context.RequestAborted = aborted;
                    await Problems.WriteAsync(context, StatusCodes.Status504GatewayTimeout, "timeout",
                        $"The request took longer than {state.Options.RequestTimeout.TotalSeconds:0.#} s.").ConfigureAwait(false);
                }

                return;
            }
            catch (Exception ex) when (Problems.Map(ex) is { } mapped)
            {
                if (context.Response.HasStarted)
                {
                    context.Abort();
                    return;
                }

                context.RequestAborted = aborted;
                if (mapped.Status >= 500)
                {
                    state.Options.Log?.Invoke($"error: {context.Request.Method} {context.Request.Path}: {ex.Message}");
                }

                await Problems.WriteAsync(context, mapped.Status, mapped.Code, mapped.Detail, mapped.RetryAfter).ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Every unexpected failure becomes a 500 problem, logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                state.Options.Log?.Invoke($"error: {context.Request.Method} {context.Request.Path}: {ex}");
                if (context.Response.HasStarted)
                {
                    context.Abort();
                    return;
                }

                context.RequestAborted = aborted;
                await Problems.WriteAsync(context, StatusCodes.Status500InternalServerError, "internal-error", "The server failed to handle the request.").ConfigureAwait(false);
                return;
            }

            var response = context.Response;
            if (response.StatusCode >= 400 && !response.HasStarted && response.ContentLength is null && string.IsNullOrEmpty(response.ContentType))
            {
                context.RequestAborted = aborted;
                string detail = response.StatusCode switch
                {
                    404 => "There is nothing at this address.",
                    405 => $"{context.Request.Method} is not allowed here.",
                    415 => $"Content-Type '{(string.IsNullOrEmpty(context.Request.ContentType) ? "(none)" : context.Request.ContentType)}' is not accepted here.",
                    _ => ReasonPhrases.GetReasonPhrase(response.StatusCode),
                };
                string code = response.StatusCode switch
                {
                    404 => "not-found",
                    405 => "method-not-allowed",
                    415 => "unsupported-media-type",
                    _ => "error",
                };
                await Problems.WriteAsync(context, response.StatusCode, code, detail, clear: false).ConfigureAwait(false);
            }
        });

    /// <summary>When an API key is configured, requires it (X-API-Key) everywhere but the health endpoints and the static page.</summary>
    public static IApplicationBuilder UseApiKey(this IApplicationBuilder app, ServerState state)
    {
        if (string.IsNullOrEmpty(state.Options.ApiKey))
        {
            return app;
        }

        byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(state.Options.ApiKey));
        return app.Use(async (context, next) =>
        {
            if (IsPublic(context.Request) || HttpMethods.IsOptions(context.Request.Method))
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var given = context.Request.Headers[ClipServerOptions.ApiKeyHeader];
            if (given.Count == 0 || string.IsNullOrEmpty(given[0]))
            {
                context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + ClipServerOptions.ApiKeyHeader + "\"";
                await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, "api-key-missing",
                    $"This server needs an API key in the {ClipServerOptions.ApiKeyHeader} header.", clear: false).ConfigureAwait(false);
                return;
            }

            byte[] actual = SHA256.HashData(Encoding.UTF8.GetBytes(given[0]!));
            if (given.Count != 1 || !CryptographicOperations.FixedTimeEquals(actual, expected))
            {
                context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + ClipServerOptions.ApiKeyHeader + "\"";
                await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, "api-key-invalid",
                    $"The {ClipServerOptions.ApiKeyHeader} header does not hold this server's API key.", clear: false).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }

    private static bool IsPublic(HttpRequest request)
    {
        string path = request.Path.Value ?? "/";
        return path is "/healthz" or "/readyz" or "/" or "/index.html" or "/favicon.ico"
            || path.StartsWith("/static/", StringComparison.Ordinal);
    }
}
