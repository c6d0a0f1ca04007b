using System.ComponentModel;
using ClipSharp.Server.Contracts;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace ClipSharp.Server.Http;

/// <summary>The JSON API, version 1: its routes and their OpenAPI description; the handlers live with their jobs.</summary>
internal static class ApiEndpoints
{
    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        var v1 = app.MapGroup("/v1").WithTags("v1");

        v1.MapPost("/embeddings/text", Handler(c => EmbeddingEndpoints.EmbedTexts(c, state)))
            .WithName("EmbedTexts").WithSummary("Embeds one text or many.")
            .Accepts<TextEmbeddingRequest>("application/json")
            .Produces<EmbeddingResponse>().ProducesProblem(400).ProducesProblem(415).ProducesProblem(503);

        v1.MapPost("/embeddings/image", Handler(c => EmbeddingEndpoints.EmbedImages(c, state)))
            .WithName("EmbedImages").WithSummary("Embeds one image or many: multipart upload, a raw image body, or base64 in JSON.")
            .Accepts<ImageEmbeddingRequest>("application/json", "multipart/form-data", "image/jpeg", "image/png", "image/webp", "application/octet-stream")
            .Produces<EmbeddingResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        v1.MapPost("/classify", Handler(c => ClassifyEndpoints.Classify(c, state)))
            .WithName("Classify").WithSummary("Zero-shot classification: the probability of each label for an image.")
            .Accepts<ClassifyRequest>("application/json", "multipart/form-data")
            .Produces<ClassifyResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        v1.MapPost("/rank-texts", Handler(c => ClassifyEndpoints.RankTexts(c, state)))
            .WithName("RankTexts").WithSummary("Ranks candidate captions for an image, best first.")
            .Accepts<RankTextsRequest>("application/json", "multipart/form-data")
            .Produces<RankTextsResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        // Query parameters arrive as text and are parsed here: a bad value is a 400 naming the parameter.
        v1.MapGet("/search", (HttpContext c,
                [Description("The text to search for (at most MaxTextLength characters, default 10,000).")] string? q,
                [Description("At most this many results: an integer from 1 to 200 (default 20).")] string? limit,
                [Description("Only results with at least this cosine: a number from -1 to 1.")] string? minScore,
                [Description("Only files inside this folder.")] string? @in,
                [Description("Only photos taken at or after this date (ISO 8601).")] string? after,
                [Description("Only photos taken before this date (ISO 8601).")] string? before,
                [Description("The order: relevance (default), newest or oldest.")] string? sort,
                [Description("The 'next' of the previous page, for the page after it.")] string? cursor) => SearchEndpoints.SearchGet(c, state))
            .WithName("SearchByText").WithSummary("Searches the photo index by text, one page at a time (follow 'next').")
            .Produces<SearchResponse>().ProducesProblem(400).ProducesProblem(503);

        v1.MapPost("/search", Handler(c => SearchEndpoints.SearchPost(c, state)))
            .WithName("Search").WithSummary("Searches the photo index by text, image, an indexed image, or a weighted combination.")
            .Accepts<SearchRequest>("application/json")
            .Produces<SearchResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        v1.MapGet("/folders", Handler(c => SearchEndpoints.GetFolders(c, state)))
            .WithName("GetFolders").WithSummary("The folders that hold indexed files (for the search's 'in' filter).")
            .Produces<FoldersResponse>().ProducesProblem(503);

        v1.MapGet("/images/{id:long}", (HttpContext c, long id) => ImageEndpoints.GetImage(c, state, id))
            .WithName("GetImage").WithSummary("The original file of an indexed image, while it is still the file that was indexed (else 404).")
            .Produces(200, contentType: "image/jpeg").Produces(206).Produces(304).ProducesProblem(404).ProducesProblem(412).ProducesProblem(416).ProducesProblem(503);

        v1.MapGet("/images/{id:long}/thumbnail", (HttpContext c, long id,
                [Description("The thumbnail fits into size × size pixels (never enlarged): an integer from 16 to 2048 (default 256).")] string? size) => ImageEndpoints.GetThumbnail(c, state, id))
            .WithName("GetThumbnail").WithSummary("A JPEG thumbnail of an indexed image, upright, fitted into size × size (default 256), never enlarged.")
            .Produces(200, contentType: "image/jpeg").Produces(304).ProducesProblem(400).ProducesProblem(404).ProducesProblem(412).ProducesProblem(413).ProducesProblem(422).ProducesProblem(503);

        // Anything else under /v1/images is not an id from the index: paths, traversal attempts, names.
        v1.MapMethods("/images/{**rest}", ["GET", "HEAD"], ImageEndpoints.NotAnId).ExcludeFromDescription();
    }

    /// <summary>A handler that writes its result (a bare HttpContext lambda would be taken as a RequestDelegate).</summary>
    private static Delegate Handler(Func<HttpContext, Task<IResult>> handler) => handler;
}
