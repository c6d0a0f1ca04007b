using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server.Http;

/// <summary>
/// The server's own middleware, in pipeline order: HEAD as GET, problem documents (with the request timeout),
/// the API key, metrics.
/// </summary>
internal static class Middleware
{
    private static readonly object s_headKey = new();

    /// <summary>
    /// Answers HEAD wherever GET is answered: the request is routed and handled as a GET, and Kestrel, which still
    /// knows the request is a HEAD, sends the status and headers without the body.
    /// </summary>
    public static IApplicationBuilder UseHeadAsGet(this IApplicationBuilder app)
        => app.Use((context, next) =>
        {
            if (HttpMethods.IsHead(context.Request.Method))
            {
                context.Items[s_headKey] = true;
                context.Request.Method = HttpMethods.Get;
            }

            return next(context);
        });

    /// <summary>The method the client sent (HEAD too, although it is handled as GET).</summary>
    public static string ClientMethod(HttpContext context)
        => context.Items.ContainsKey(s_headKey) ? HttpMethods.Head : context.Request.Method;

    /// <summary>
    /// Applies the request timeout, turns exceptions into problem documents, and gives every error response that has
    /// no body yet (404 of an unknown route, 405, 412, 416, …) a problem document too.
    /// </summary>
    public static IApplicationBuilder UseProblems(this IApplicationBuilder app, ServerState state)
        => app.Use(async (context, next) =>
        {
            CancellationToken aborted = context.RequestAborted;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(aborted);
            timeout.CancelAfter(state.Options.RequestTimeout);
            context.RequestAborted = timeout.Token;
            context.Response.Headers.XContentTypeOptions = "nosniff";
            if ((context.Features.Get<IHttpRequestFeature>()?.RawTarget.Length ?? 0) > ClipServer.MaxUrlBytes)
            {
                await Problems.WriteAsync(context, StatusCodes.Status414UriTooLong, "uri-too-long",
                    $"The URL is longer than {ClipServer.MaxUrlBytes / 1024} KiB; send long queries with POST (POST /v1/search takes the same fields as JSON).", clear: false).ConfigureAwait(false);
                return;
            }

            if (context.Request.ContentLength > state.Options.MaxRequestBytes)
            {
                // Refused before any of it is read, wherever it was going. Kestrel could not drain a body this large
                // to keep the connection, so say it closes (else a client reusing it would see its next request cut).
                context.Response.Headers.Connection = "close";
                await Problems.WriteAsync(context, StatusCodes.Status413PayloadTooLarge, "request-too-large",
                    $"The request body ({context.Request.ContentLength} bytes) is larger than the server accepts ({state.Options.MaxRequestBytes} bytes).", clear: false).ConfigureAwait(false);
                return;
            }

            if (context.Request.ContentLength is null && context.Features.Get<IHttpRequestBodyDetectionFeature>()?.CanHaveBody == true)
            {
                // A chunked body of unknown size that an error answer may leave unread: close rather than drain it.
                context.Response.OnStarting(() =>
                {
                    if (context.Response.StatusCode >= 400)
                    {
                        context.Response.Headers.Connection = "close";
                    }

                    return Task.CompletedTask;
                });
            }

            try
            {
                await next(context).ConfigureAwait(false);
            }
            catch (Exception ex) when (aborted.IsCancellationRequested && ex is OperationCanceledException or IOException)
            {
                // The client went away: nobody to answer.
                context.Abort();
                return;
            }
            catch (OperationCanceledException) when (timeout.IsCancellationRequested)
            {
                await WriteAsync(context, aborted, StatusCodes.Status504GatewayTimeout, "timeout",
                    $"The request took longer than {state.Options.RequestTimeout.TotalSeconds:0.###} s.").ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (Problems.Map(ex) is { } mapped)
            {
                if (mapped.Status >= 500)
                {
                    state.Options.Log?.Invoke($"error: {ClientMethod(context)} {context.Request.Path}: {ex.Message}");
                }

                await WriteAsync(context, aborted, mapped.Status, mapped.Code, mapped.Detail, mapped.RetryAfter).ConfigureAwait(false);
                return;
            }
#pragma warning disable CA1031 // Every unexpected failure becomes a 500 problem, logged.
            catch (Exception ex)
#pragma warning restore CA1031
            {
                state.Options.Log?.Invoke($"error: {ClientMethod(context)} {context.Request.Path}: {ex}");
                await WriteAsync(context, aborted, StatusCodes.Status500InternalServerError, "internal-error", "The server failed to handle the request.").ConfigureAwait(false);
                return;
            }

            var response = context.Response;
            if (response.StatusCode >= 400 && !response.HasStarted)
            {
                // Nothing written yet (a started response would have HasStarted): describe the status instead.
                context.RequestAborted = aborted;
                var headers = response.Headers;
                if (response.StatusCode == StatusCodes.Status405MethodNotAllowed && headers.Allow.Count > 0)
                {
                    headers.Allow = WithHead(headers.Allow.ToString());
                }

                response.ContentLength = null;
                headers.Remove(HeaderNames.ContentDisposition);
                headers.Remove(HeaderNames.ETag);
                headers.Remove(HeaderNames.LastModified);
                await Problems.WriteAsync(context, response.StatusCode, Problems.CodeFor(response.StatusCode), Describe(context), clear: false).ConfigureAwait(false);
            }
        });

    /// <summary>
    /// When an API key is configured, requires it (X-API-Key) everywhere but the endpoints marked
    /// <see cref="PublicEndpoint"/> (health checks and the page), decided on the routed endpoint, so exactly the
    /// addresses routing maps to them (in any case, with or without a trailing slash) are public.
    /// </summary>
    public static IApplicationBuilder UseApiKey(this IApplicationBuilder app, ServerState state)
    {
        if (string.IsNullOrEmpty(state.Options.ApiKey))
        {
            return app;
        }

        byte[] expected = SHA256.HashData(Encoding.UTF8.GetBytes(state.Options.ApiKey));
        return app.Use(async (context, next) =>
        {
            // CORS preflights never get here: UseCors, earlier in the pipeline, answers them.
            if (context.GetEndpoint()?.Metadata.GetMetadata<PublicEndpoint>() is not null)
            {
                await next(context).ConfigureAwait(false);
                return;
            }

            var given = context.Request.Headers[ClipServerOptions.ApiKeyHeader];
            bool missing = given.Count == 0 || string.IsNullOrEmpty(given[0]);
            if (missing || given.Count != 1 || !CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given[0]!)), expected))
            {
                state.Metrics.Unauthorized();
                context.Response.Headers.WWWAuthenticate = "ApiKey header=\"" + ClipServerOptions.ApiKeyHeader + "\"";
                await Problems.WriteAsync(context, StatusCodes.Status401Unauthorized, missing ? "api-key-missing" : "api-key-invalid",
                    missing
                        ? $"This server needs an API key in the {ClipServerOptions.ApiKeyHeader} header."
                        : $"The {ClipServerOptions.ApiKeyHeader} header does not hold this server's API key.",
                    clear: false).ConfigureAwait(false);
                return;
            }

            await next(context).ConfigureAwait(false);
        });
    }

    /// <summary>
    /// Counts requests by method, route template and status class, with their latency, once they are complete (so
    /// the status is the one sent). It runs after the API key check: requests without the key only count in
    /// <c>clipsharp_http_unauthorized_total</c>, and no label takes a value the client chose.
    /// </summary>
    public static IApplicationBuilder UseRequestMetrics(this IApplicationBuilder app, ServerState state)
        => app.Use((context, next) =>
        {
            long started = Stopwatch.GetTimestamp();
            state.Metrics.RequestStarted();
            context.Response.OnCompleted(() =>
            {
                string route = (context.GetEndpoint() as RouteEndpoint)?.RoutePattern.RawText ?? "unmatched";
                state.Metrics.RequestFinished(ClientMethod(context), route, context.Response.StatusCode, Stopwatch.GetElapsedTime(started));
                return Task.CompletedTask;
            });
            return next(context);
        });

    private static async Task WriteAsync(HttpContext context, CancellationToken aborted, int status, string code, string detail, TimeSpan? retryAfter = null)
    {
        if (context.Response.HasStarted)
        {
            // Part of a body is out: the only honest signal left is to cut the connection.
            context.Abort();
            return;
        }

        context.RequestAborted = aborted;
        await Problems.WriteAsync(context, status, code, detail, retryAfter).ConfigureAwait(false);
    }

    private static string Describe(HttpContext context)
    {
        int status = context.Response.StatusCode;
        return status switch
        {
            404 => "There is nothing at this address.",
            405 => $"{ClientMethod(context)} is not allowed here; allowed: {context.Response.Headers.Allow}.",
            412 => "The precondition (If-Match or If-Unmodified-Since) does not hold for the current representation.",
            415 => $"Content-Type '{(string.IsNullOrEmpty(context.Request.ContentType) ? "(none)" : context.Request.ContentType)}' is not accepted here.",
            416 => $"The requested range is not within the representation ({context.Response.Headers.ContentRange}).",
            _ => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase + "." : FormattableString.Invariant($"HTTP status {status}."),
        };
    }

    /// <summary>An Allow list with HEAD wherever GET is in it (HEAD is answered as GET).</summary>
    private static string WithHead(string allow)
    {
        var methods = allow.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToList();
        if (methods.Contains(HttpMethods.Get, StringComparer.OrdinalIgnoreCase) && !methods.Contains(HttpMethods.Head, StringComparer.OrdinalIgnoreCase))
        {
            methods.Insert(methods.FindIndex(m => m.Equals(HttpMethods.Get, StringComparison.OrdinalIgnoreCase)) + 1, HttpMethods.Head);
        }

        return string.Join(", ", methods);
    }
}
