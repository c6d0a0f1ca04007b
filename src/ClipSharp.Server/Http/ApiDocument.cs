using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.OpenApi;

namespace ClipSharp.Server.Http;

/// <summary>
/// The OpenAPI document's additions to what the endpoints declare: the API key scheme (when a key is set) and the
/// responses every operation can give whatever its handler does — 401 without the key, 400/408/413/415 for any
/// body, 500, 503 and 504 — each a problem document.
/// </summary>
internal static class ApiDocument
{
    private const string SchemeName = "ApiKey";

    public static void Configure(OpenApiOptions openApi, ClipServerOptions options)
    {
        bool keyed = !string.IsNullOrEmpty(options.ApiKey);
        openApi.AddDocumentTransformer((doc, _, _) =>
        {
            doc.Info.Title = "ClipSharp API";
            doc.Info.Version = "v1";
            doc.Info.Description = "OpenAI's CLIP as a service: embeddings, zero-shot classification, caption ranking and photo search. "
                + "Every error is an RFC 9457 problem document (application/problem+json) with a stable 'code'. "
                + "HEAD is answered wherever GET is.";
            if (keyed)
            {
                doc.Components ??= new OpenApiComponents();
                doc.Components.SecuritySchemes ??= new Dictionary<string, IOpenApiSecurityScheme>();
                doc.Components.SecuritySchemes[SchemeName] = new OpenApiSecurityScheme
                {
                    Type = SecuritySchemeType.ApiKey,
                    In = ParameterLocation.Header,
                    Name = ClipServerOptions.ApiKeyHeader,
                    Description = "The server's API key; every endpoint but /healthz, /readyz and the web page needs it.",
                };
            }

            return Task.CompletedTask;
        });
        openApi.AddOperationTransformer(async (operation, context, cancellationToken) =>
        {
            var description = context.Description;
            bool isPublic = description.ActionDescriptor.EndpointMetadata.OfType<PublicEndpoint>().Any();
            bool hasBody = description.HttpMethod is "POST" or "PUT" or "PATCH";
            bool isApi = description.RelativePath?.StartsWith("v1/", StringComparison.Ordinal) ?? false;
            operation.Responses ??= [];
            OpenApiMediaType problem = operation.Responses.Values
                .Select(r => r.Content is { } content && content.TryGetValue(Problems.ContentType, out var media) ? media : null)
                .FirstOrDefault(m => m is not null)
                ?? new OpenApiMediaType { Schema = await context.GetOrCreateSchemaAsync(typeof(ProblemDetails), null, cancellationToken).ConfigureAwait(false) };

            var codes = new List<int> { 500, 504 };
            if (keyed && !isPublic)
            {
                codes.Add(401);
                operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(SchemeName, context.Document)] = [] }];
            }

            if (hasBody)
            {
                codes.AddRange([400, 408, 413, 415]);
            }

            if (isApi)
            {
                codes.Add(503);
            }

            foreach (int code in codes)
            {
                string key = code.ToString(System.Globalization.CultureInfo.InvariantCulture);
                if (!operation.Responses.ContainsKey(key))
                {
                    operation.Responses[key] = new OpenApiResponse
                    {
                        Description = Describe(code),
                        Content = new Dictionary<string, OpenApiMediaType> { [Problems.ContentType] = problem },
                    };
                }
            }
        });
    }

    private static string Describe(int status) => status switch
    {
        StatusCodes.Status401Unauthorized => "The API key is missing or wrong (codes api-key-missing, api-key-invalid).",
        StatusCodes.Status408RequestTimeout => "The request body arrived too slowly (code request-timeout).",
        StatusCodes.Status413PayloadTooLarge => "The request body is larger than the server accepts (code request-too-large).",
        StatusCodes.Status503ServiceUnavailable => "The model is loading, the server is overloaded (with Retry-After) or has no photo index.",
        StatusCodes.Status504GatewayTimeout => "The request took longer than the server's request timeout (code timeout).",
        _ => ReasonPhrases.GetReasonPhrase(status) + ".",
    };
}
