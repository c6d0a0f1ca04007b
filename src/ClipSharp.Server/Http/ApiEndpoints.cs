using System.ComponentModel;
using System.Globalization;
using System.Numerics.Tensors;
using ClipSharp.Server.Contracts;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.Primitives;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server.Http;

/// <summary>The JSON API, version 1.</summary>
internal static class ApiEndpoints
{
    private const int MaxSearchLimit = 200;
    private const int MaxTerms = 16;
    private const int MaxFolderLength = 4096;

    public static void Map(IEndpointRouteBuilder app, ServerState state)
    {
        var v1 = app.MapGroup("/v1").WithTags("v1");

        v1.MapPost("/embeddings/text", Handler(c => EmbedTexts(c, state)))
            .WithName("EmbedTexts").WithSummary("Embeds one text or many.")
            .Accepts<TextEmbeddingRequest>("application/json")
            .Produces<EmbeddingResponse>().ProducesProblem(400).ProducesProblem(415).ProducesProblem(503);

        v1.MapPost("/embeddings/image", Handler(c => EmbedImages(c, state)))
            .WithName("EmbedImages").WithSummary("Embeds one image or many: multipart upload, a raw image body, or base64 in JSON.")
            .Accepts<ImageEmbeddingRequest>("application/json", "multipart/form-data", "image/jpeg", "image/png", "image/webp", "application/octet-stream")
            .Produces<EmbeddingResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        v1.MapPost("/classify", Handler(c => Classify(c, state)))
            .WithName("Classify").WithSummary("Zero-shot classification: the probability of each label for an image.")
            .Accepts<ClassifyRequest>("application/json", "multipart/form-data")
            .Produces<ClassifyResponse>().ProducesProblem(400).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        v1.MapPost("/rank-texts", Handler(c => RankTexts(c, state)))
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
                [Description("The 'next' of the previous page, for the page after it.")] string? cursor) => SearchGet(c, state))
            .WithName("SearchByText").WithSummary("Searches the photo index by text, one page at a time (follow 'next').")
            .Produces<SearchResponse>().ProducesProblem(400).ProducesProblem(503);

        v1.MapPost("/search", Handler(c => SearchPost(c, state)))
            .WithName("Search").WithSummary("Searches the photo index by text, image, an indexed image, or a weighted combination.")
            .Accepts<SearchRequest>("application/json")
            .Produces<SearchResponse>().ProducesProblem(400).ProducesProblem(404).ProducesProblem(413).ProducesProblem(415).ProducesProblem(422).ProducesProblem(503);

        v1.MapGet("/folders", Handler(c => GetFolders(c, state)))
            .WithName("GetFolders").WithSummary("The folders that hold indexed files (for the search's 'in' filter).")
            .Produces<FoldersResponse>().ProducesProblem(503);

        v1.MapGet("/images/{id:long}", (HttpContext c, long id) => GetImage(c, state, id))
            .WithName("GetImage").WithSummary("The original file of an indexed image, while it is still the file that was indexed (else 404).")
            .Produces(200, contentType: "image/jpeg").Produces(206).Produces(304).ProducesProblem(404).ProducesProblem(412).ProducesProblem(416).ProducesProblem(503);

        v1.MapGet("/images/{id:long}/thumbnail", (HttpContext c, long id,
                [Description("The thumbnail fits into size × size pixels (never enlarged): an integer from 16 to 2048 (default 256).")] string? size) => GetThumbnail(c, state, id))
            .WithName("GetThumbnail").WithSummary("A JPEG thumbnail of an indexed image, upright, fitted into size × size (default 256), never enlarged.")
            .Produces(200, contentType: "image/jpeg").Produces(304).ProducesProblem(400).ProducesProblem(404).ProducesProblem(412).ProducesProblem(413).ProducesProblem(422).ProducesProblem(503);

        // Anything else under /v1/images is not an id from the index: paths, traversal attempts, names.
        v1.MapMethods("/images/{**rest}", ["GET", "HEAD"], NotAnId).ExcludeFromDescription();
    }

    /// <summary>A handler that writes its result (a bare HttpContext lambda would be taken as a RequestDelegate).</summary>
    private static Delegate Handler(Func<HttpContext, Task<IResult>> handler) => handler;

    private static IResult NotAnId() => throw ApiProblemException.NotFound("Images are addressed by the numeric id of an indexed file.");

    private static async Task<IResult> EmbedTexts(HttpContext c, ServerState state)
    {
        var request = await RequestReader.ReadJsonAsync<TextEmbeddingRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
        var inference = state.Inference;
        IReadOnlyList<string> texts = OneOrMany(request.Text, request.Texts, "text", "texts");
        CheckTexts(texts, state.Options.MaxTextsPerRequest, state.Options.MaxTextLength, "texts");
        float[][] vectors = await inference.EmbedTextsAsync(texts, c.RequestAborted).ConfigureAwait(false);
        return Results.Json(new EmbeddingResponse(inference.Backend.ModelName, inference.Dimension,
            vectors.Select((v, i) => new EmbeddingItem(i, texts[i], v)).ToList()));
    }

    private static async Task<IResult> EmbedImages(HttpContext c, ServerState state)
    {
        var inference = state.Inference;
        var images = new List<ImageInput>();
        if (RequestReader.IsJson(c.Request))
        {
            var request = await RequestReader.ReadJsonAsync<ImageEmbeddingRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
            IReadOnlyList<string?> encoded = OneOrMany(request.Image, request.Images, "image", "images");
            for (int i = 0; i < encoded.Count; i++)
            {
                images.Add(RequestReader.DecodeBase64(encoded[i], $"image {i}"));
            }
        }
        else if (RequestReader.IsMultipart(c.Request))
        {
            var form = await RequestReader.ReadFormAsync(c.Request, c.RequestAborted).ConfigureAwait(false);
            for (int i = 0; i < form.Files.Count; i++)
            {
                images.Add(await RequestReader.ReadFileAsync(form.Files[i], $"image {i}", c.RequestAborted).ConfigureAwait(false));
            }
        }
        else if (RequestReader.IsRawImage(c.Request))
        {
            byte[] body = await RequestReader.ReadBodyAsync(c.Request, c.RequestAborted).ConfigureAwait(false);
            images.Add(new ImageInput(body, null, "image 0"));
        }
        else
        {
            throw RequestReader.UnsupportedType(c.Request, "multipart/form-data, an image/* or application/octet-stream body, or application/json with base64 images");
        }

        if (images.Count == 0)
        {
            throw ApiProblemException.BadRequest("No image in the request.");
        }

        if (images.Count > state.Options.MaxImagesPerRequest)
        {
            throw ApiProblemException.OverLimit($"{images.Count} images; this server takes at most {state.Options.MaxImagesPerRequest} per request (MaxImagesPerRequest).");
        }

        foreach (var image in images)
        {
            if (image.Data.IsEmpty)
            {
                throw new ApiProblemException(StatusCodes.Status422UnprocessableEntity, "not-an-image", $"{image.Label}: the image is empty");
            }
        }

        float[][] vectors = await inference.EmbedImagesAsync(images, state.Options.MaxImagePixels, c.RequestAborted).ConfigureAwait(false);
        return Results.Json(new EmbeddingResponse(inference.Backend.ModelName, inference.Dimension,
            vectors.Select((v, i) => new EmbeddingItem(i, images[i].Name, v)).ToList()));
    }

    private static async Task<IResult> Classify(HttpContext c, ServerState state)
    {
        ClassifyRequest request;
        ImageInput? upload = null;
        if (RequestReader.IsMultipart(c.Request))
        {
            var form = await RequestReader.ReadFormAsync(c.Request, c.RequestAborted).ConfigureAwait(false);
            upload = await SingleFileAsync(form, c.RequestAborted).ConfigureAwait(false);
            request = new ClassifyRequest(
                ImageId: ParseId(form["imageId"]),
                Labels: SplitList(form["labels"]),
                Template: NullIfEmpty(form["template"]),
                Templates: form["templates"].Count > 0 ? form["templates"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToList() : null,
                Ensemble: NullIfEmpty(form["ensemble"]));
        }
        else if (RequestReader.IsJson(c.Request))
        {
            request = await RequestReader.ReadJsonAsync<ClassifyRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
            if (request.Image is not null)
            {
                upload = RequestReader.DecodeBase64(request.Image, "image");
            }
        }
        else
        {
            throw RequestReader.UnsupportedType(c.Request, "application/json or multipart/form-data");
        }

        var inference = state.Inference;
        var labels = request.Labels ?? throw ApiProblemException.BadRequest("'labels' is required: a list of labels.");
        CheckTexts(labels, state.Options.MaxLabels, state.Options.MaxLabelLength, "labels");
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int i = 0; i < labels.Count; i++)
        {
            if (!seen.TryAdd(labels[i], i))
            {
                throw ApiProblemException.BadRequest($"Labels must be distinct: label {i} repeats label {seen[labels[i]]}.");
            }
        }

        var (templates, key) = ResolveTemplates(request, state.Options);
        long prompts = (long)labels.Count * templates.Count;
        if (prompts > state.Options.MaxPromptsPerRequest)
        {
            throw ApiProblemException.OverLimit(string.Create(CultureInfo.InvariantCulture,
                $"{labels.Count} labels × {templates.Count} templates make {prompts} prompts; this server embeds at most {state.Options.MaxPromptsPerRequest} per request (MaxPromptsPerRequest, --max-prompts)."));
        }

        float[] image = await ImageEmbeddingAsync(c, state, upload, request.ImageId).ConfigureAwait(false);
        float[][] classes = await inference.ClassEmbeddingsAsync(labels, templates, key, c.RequestAborted).ConfigureAwait(false);
        var (cosines, probabilities) = inference.Score(image, classes);
        var results = new List<LabelResult>(labels.Count);
        for (int i = 0; i < labels.Count; i++)
        {
            results.Add(new LabelResult(labels[i], PromptEnsemble.Describe(templates, labels[i]), cosines[i], probabilities[i]));
        }

        string best = results.MaxBy(r => r.Score)!.Label;
        return Results.Json(new ClassifyResponse(inference.Backend.ModelName, best, results));
    }

    private static async Task<IResult> RankTexts(HttpContext c, ServerState state)
    {
        RankTextsRequest request;
        ImageInput? upload = null;
        if (RequestReader.IsMultipart(c.Request))
        {
            var form = await RequestReader.ReadFormAsync(c.Request, c.RequestAborted).ConfigureAwait(false);
            upload = await SingleFileAsync(form, c.RequestAborted).ConfigureAwait(false);
            request = new RankTextsRequest(ImageId: ParseId(form["imageId"]), Texts: form["texts"].Select(t => t ?? "").ToList());
        }
        else if (RequestReader.IsJson(c.Request))
        {
            request = await RequestReader.ReadJsonAsync<RankTextsRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
            if (request.Image is not null)
            {
                upload = RequestReader.DecodeBase64(request.Image, "image");
            }
        }
        else
        {
            throw RequestReader.UnsupportedType(c.Request, "application/json or multipart/form-data");
        }

        var inference = state.Inference;
        var texts = request.Texts ?? throw ApiProblemException.BadRequest("'texts' is required: a list of candidate captions.");
        CheckTexts(texts, state.Options.MaxTextsPerRequest, state.Options.MaxTextLength, "texts");
        float[] image = await ImageEmbeddingAsync(c, state, upload, request.ImageId).ConfigureAwait(false);
        float[][] embedded = await inference.EmbedTextsAsync(texts, c.RequestAborted).ConfigureAwait(false);
        var (cosines, probabilities) = inference.Score(image, embedded);
        var ranked = Enumerable.Range(0, texts.Count)
            .Select(i => new RankedText(i, texts[i], cosines[i], probabilities[i]))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Index)
            .ToList();
        return Results.Json(new RankTextsResponse(inference.Backend.ModelName, ranked));
    }

    private static Task<IResult> SearchGet(HttpContext c, ServerState state)
    {
        var query = c.Request.Query;
        string? q = QueryValue(query, "q");
        if (string.IsNullOrWhiteSpace(q))
        {
            throw ApiProblemException.BadRequest("'q' is required: the text to search for.");
        }

        return SearchCore(c, state, new SearchRequest(
            Text: q,
            Limit: QueryValue(query, "limit") is { } limit ? ParseQuery<int>(limit, "limit", "an integer from 1 to 200", s => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null) : null,
            MinScore: QueryValue(query, "minScore") is { } min ? ParseQuery<float>(min, "minScore", "a number from -1 to 1", s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : null) : null,
            In: QueryValue(query, "in"),
            After: QueryValue(query, "after") is { } after ? ParseDate(after, "after") : null,
            Before: QueryValue(query, "before") is { } before ? ParseDate(before, "before") : null,
            Sort: QueryValue(query, "sort"),
            Cursor: QueryValue(query, "cursor")));
    }

    private static DateTime ParseDate(string text, string name)
        => ParseQuery<DateTime>(text, name, "a date in ISO 8601 form, such as 2024-05-01", s => DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var v) ? v : null);

    private static PhotoSort ParseSort(string? sort) => sort?.ToUpperInvariant() switch
    {
        null or "" or "RELEVANCE" => PhotoSort.Relevance,
        "NEWEST" => PhotoSort.Newest,
        "OLDEST" => PhotoSort.Oldest,
        _ => throw ApiProblemException.BadRequest("'sort' must be relevance, newest or oldest."),
    };

    private static async Task<IResult> GetFolders(HttpContext c, ServerState state)
    {
        var folders = await state.Folders.GetAsync(state.Search, c.RequestAborted).ConfigureAwait(false);
        return Results.Json(new FoldersResponse([.. folders.Folders.Select(f => new IndexFolder(f, folders.RelativeFolder(f)))]));
    }

    private static async Task<IResult> SearchPost(HttpContext c, ServerState state)
    {
        var request = await RequestReader.ReadJsonAsync<SearchRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
        return await SearchCore(c, state, request).ConfigureAwait(false);
    }

    private static async Task<IResult> SearchCore(HttpContext c, ServerState state, SearchRequest request)
    {
        var inference = state.Inference;
        var search = state.Search;
        int limit = request.Limit ?? 20;
        if (limit is < 1 or > MaxSearchLimit)
        {
            throw ApiProblemException.BadRequest($"'limit' must be between 1 and {MaxSearchLimit}.");
        }

        if (request.MinScore is { } min && (!float.IsFinite(min) || min < -1 || min > 1))
        {
            throw ApiProblemException.BadRequest("'minScore' must be a cosine between -1 and 1.");
        }

        if (request.After is { } from && request.Before is { } to && from >= to)
        {
            throw ApiProblemException.BadRequest("'after' must be earlier than 'before'.");
        }

        PhotoSort sort = ParseSort(request.Sort);
        SearchCursor? cursor = null;
        if (request.Cursor is { } token)
        {
            cursor = SearchCursor.TryParse(token) ?? throw ApiProblemException.BadRequest("'cursor' is not a 'next' value from this server's search.");
            if (cursor.Sort != sort)
            {
                throw ApiProblemException.BadRequest($"'cursor' continues a search sorted by {cursor.Sort.ToString().ToLowerInvariant()}, not {sort.ToString().ToLowerInvariant()}.");
            }
        }

        if (request.In is { Length: > MaxFolderLength })
        {
            throw ApiProblemException.OverLimit($"'in' is longer than {MaxFolderLength} characters.");
        }

        var terms = new List<SearchTerm>();
        if (request.Text is not null)
        {
            terms.Add(new SearchTerm(Text: request.Text));
        }

        if (request.Image is not null)
        {
            terms.Add(new SearchTerm(Image: request.Image));
        }

        if (request.ImageId is not null)
        {
            terms.Add(new SearchTerm(ImageId: request.ImageId));
        }

        int given = terms.Count;
        if (request.Terms is { } more)
        {
            for (int i = 0; i < more.Count; i++)
            {
                terms.Add(more[i] ?? throw ApiProblemException.BadRequest($"Query term {given + i} is null; each term is an object with one of 'text', 'image', 'imageId'."));
            }
        }

        if (terms.Count == 0)
        {
            throw ApiProblemException.BadRequest("Give a query: 'text', 'image', 'imageId' or 'terms'.");
        }

        if (terms.Count > MaxTerms)
        {
            throw ApiProblemException.OverLimit($"{terms.Count} query terms; at most {MaxTerms}.");
        }

        for (int i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            if ((term.Text is null ? 0 : 1) + (term.Image is null ? 0 : 1) + (term.ImageId is null ? 0 : 1) != 1)
            {
                throw ApiProblemException.BadRequest($"Query term {i} must have exactly one of 'text', 'image', 'imageId'.");
            }

            if (!float.IsFinite(term.Weight))
            {
                throw ApiProblemException.BadRequest($"Query term {i} has a weight that is not a finite number.");
            }

            if (term.Text is not null)
            {
                CheckTexts([term.Text], 1, state.Options.MaxTextLength, $"term {i} text");
            }
        }

        // Only the weights' ratios matter (the sum is normalised): scaled by the largest, the sum cannot overflow.
        float largest = terms.Max(t => Math.Abs(t.Weight));
        float[] query = new float[inference.Dimension];
        for (int i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            float[] vector;
            if (term.Text is not null)
            {
                vector = (await inference.EmbedTextsAsync([term.Text], c.RequestAborted).ConfigureAwait(false))[0];
            }
            else if (term.Image is not null)
            {
                vector = (await inference.EmbedImagesAsync([RequestReader.DecodeBase64(term.Image, $"term {i} image")], state.Options.MaxImagePixels, c.RequestAborted).ConfigureAwait(false))[0];
            }
            else
            {
                vector = await StoredEmbeddingAsync(state, term.ImageId!.Value, c.RequestAborted).ConfigureAwait(false);
            }

            if (largest > 0)
            {
                TensorPrimitives.MultiplyAdd(vector, term.Weight / largest, query, query);
            }
        }

        float norm = TensorPrimitives.Norm(query);
        if (!(norm > 1e-6f))
        {
            throw ApiProblemException.BadRequest("The weighted terms cancel out: the combined query is zero.");
        }

        TensorPrimitives.Divide(query, norm, query);
        var page = await SearchPager.PageAsync(search, query, new PhotoSearchOptions
        {
            MinScore = request.MinScore,
            Folder = string.IsNullOrWhiteSpace(request.In) ? null : request.In,
            TakenAfter = request.After,
            TakenBefore = request.Before,
        }, sort, cursor, limit, c.RequestAborted).ConfigureAwait(false);
        var folders = await state.Folders.GetAsync(search, c.RequestAborted).ConfigureAwait(false);
        var results = page.Hits.Select(h => new SearchResult(
            h.File.Id, h.File.Path, Path.GetFileName(h.File.Path), h.Score, h.File.Size,
            SearchPager.DateOf(h), h.File.TakenAt,
            FormattableString.Invariant($"/v1/images/{h.File.Id}/thumbnail"), FormattableString.Invariant($"/v1/images/{h.File.Id}"),
            folders.Relative(h.File.Path))).ToList();
        return Results.Json(new SearchResponse(inference.Backend.ModelName, results, page.Next?.Encode(), page.Total, page.TotalAtLeast));
    }

    private static async Task<IResult> GetImage(HttpContext c, ServerState state, long id)
    {
        var file = await state.Files.OpenAsync(state.Search, id, c.RequestAborted).ConfigureAwait(false);
        try
        {
            c.Response.Headers.ContentDisposition = new ContentDispositionHeaderValue("inline") { FileNameStar = Path.GetFileName(file.Record.Path) }.ToString();
            c.Response.Headers.CacheControl = "private, max-age=3600";

            // Served from the checked handle; the result answers conditional and range requests (RFC 9110) and closes it.
            return Results.Stream(file.OpenStream(), file.ContentType, lastModified: file.ModifiedUtc,
                entityTag: new EntityTagHeaderValue("\"" + file.Version + "\""), enableRangeProcessing: true);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    private static async Task<IResult> GetThumbnail(HttpContext c, ServerState state, long id)
    {
        int size = QueryValue(c.Request.Query, "size") is { } text
            ? ParseQuery<int>(text, "size", $"an integer from {ThumbnailService.MinSize} to {ThumbnailService.MaxSize}", s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null)
            : 256;
        if (size is < ThumbnailService.MinSize or > ThumbnailService.MaxSize)
        {
            throw ApiProblemException.BadRequest($"'size' must be an integer from {ThumbnailService.MinSize} to {ThumbnailService.MaxSize}.");
        }

        using var file = await state.Files.OpenAsync(state.Search, id, c.RequestAborted).ConfigureAwait(false);
        byte[] jpeg = await Task.Run(() => state.Thumbnails.Get(file, size), c.RequestAborted).ConfigureAwait(false);
        c.Response.Headers.CacheControl = "private, max-age=3600";
        return Results.Bytes(jpeg, "image/jpeg", lastModified: file.ModifiedUtc,
            entityTag: new EntityTagHeaderValue("\"" + ThumbnailService.Key(file, size) + "\""));
    }

    private static async Task<float[]> ImageEmbeddingAsync(HttpContext c, ServerState state, ImageInput? upload, long? imageId)
    {
        if ((upload is null) == (imageId is null))
        {
            throw ApiProblemException.BadRequest("Give exactly one image: 'image' (upload or base64) or 'imageId'.");
        }

        if (imageId is { } id)
        {
            return await StoredEmbeddingAsync(state, id, c.RequestAborted).ConfigureAwait(false);
        }

        if (upload!.Data.IsEmpty)
        {
            throw new ApiProblemException(StatusCodes.Status422UnprocessableEntity, "not-an-image", "image: the image is empty");
        }

        return (await state.Inference.EmbedImagesAsync([upload], state.Options.MaxImagePixels, c.RequestAborted).ConfigureAwait(false))[0];
    }

    /// <summary>The stored embedding of an indexed image, used only while its file is still the indexed one.</summary>
    private static async Task<float[]> StoredEmbeddingAsync(ServerState state, long id, CancellationToken cancellationToken)
    {
        var search = state.Search;
        await state.Files.VerifyAsync(search, id, cancellationToken).ConfigureAwait(false);
        return await search.GetEmbeddingAsync(id, cancellationToken).ConfigureAwait(false)
            ?? throw ApiProblemException.NotFound(FormattableString.Invariant($"No indexed image has id {id}."));
    }

    private static async Task<ImageInput?> SingleFileAsync(IFormCollection form, CancellationToken cancellationToken)
    {
        if (form.Files.Count > 1)
        {
            throw ApiProblemException.BadRequest("Upload one image.");
        }

        return form.Files.Count == 1 ? await RequestReader.ReadFileAsync(form.Files[0], "image", cancellationToken).ConfigureAwait(false) : null;
    }

    private static (IReadOnlyList<string> Templates, string Key) ResolveTemplates(ClassifyRequest request, ClipServerOptions options)
    {
        int given = (request.Template is null ? 0 : 1) + (request.Templates is null ? 0 : 1) + (request.Ensemble is null ? 0 : 1);
        if (given > 1)
        {
            throw ApiProblemException.BadRequest("Give at most one of 'template', 'templates', 'ensemble'.");
        }

        if (request.Ensemble is not null)
        {
            return PromptTemplates.FindEnsemble(request.Ensemble, out string ensemble) is { } members
                ? (members, "ensemble:" + ensemble)
                : throw ApiProblemException.BadRequest($"Unknown 'ensemble'; the known one is '{PromptTemplates.ImageNetEnsemble}' (also '{PromptTemplates.ImageNetEnsembleAlias}').");
        }

        IReadOnlyList<string?> templates = request.Templates ?? [request.Template ?? PromptTemplates.Default];
        if (templates.Count == 0)
        {
            throw ApiProblemException.BadRequest("'templates' must not be empty.");
        }

        for (int i = 0; i < templates.Count; i++)
        {
            string name = request.Templates is null ? "'template'" : $"Template {i}";
            string? t = templates[i];
            if (t is null)
            {
                throw ApiProblemException.BadRequest($"{name} is null.");
            }

            if (t.Length > options.MaxTemplateLength)
            {
                throw ApiProblemException.OverLimit($"{name} is longer than {options.MaxTemplateLength} characters (MaxTemplateLength).");
            }

        }

        try
        {
            IReadOnlyList<string> resolved = PromptTemplates.Resolve((IReadOnlyList<string>)templates!, null);
            return (resolved, "templates:" + string.Join('\u0002', resolved));
        }
        catch (ClipSharpException ex) when (ex.Kind == ClipErrorKind.InvalidInput)
        {
            throw ApiProblemException.BadRequest(char.ToUpperInvariant(ex.Detail[0]) + ex.Detail[1..] + ".");
        }
    }

    private static IReadOnlyList<T> OneOrMany<T>(T? one, IReadOnlyList<T>? many, string oneName, string manyName)
        where T : class
    {
        if ((one is null) == (many is null))
        {
            throw ApiProblemException.BadRequest($"Give exactly one of '{oneName}' or '{manyName}'.");
        }

        return many ?? [one!];
    }

    /// <summary>Checks a list of texts: not empty, at most <paramref name="max"/>, none null, blank or longer than <paramref name="maxLength"/>.</summary>
    private static void CheckTexts(IReadOnlyList<string?> texts, int max, int maxLength, string name)
    {
        if (texts.Count == 0)
        {
            throw ApiProblemException.BadRequest($"'{name}' must not be empty.");
        }

        if (texts.Count > max)
        {
            throw ApiProblemException.OverLimit($"{texts.Count} {name}; this server takes at most {max} per request.");
        }

        for (int i = 0; i < texts.Count; i++)
        {
            string item = texts.Count == 1 && max == 1 ? $"'{name}'" : $"'{name}' item {i}";
            if (texts[i] is not { } text)
            {
                throw ApiProblemException.BadRequest($"{item} is null.");
            }

            if (string.IsNullOrWhiteSpace(text))
            {
                throw ApiProblemException.BadRequest($"{item} is empty.");
            }

            if (text.Length > maxLength)
            {
                throw ApiProblemException.OverLimit($"{item} is longer than {maxLength} characters.");
            }
        }
    }

    /// <summary>The one value of a query parameter, or null when absent; 400 when it is given more than once.</summary>
    private static string? QueryValue(IQueryCollection query, string name)
    {
        var values = query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw ApiProblemException.BadRequest($"Query parameter '{name}' is given {values.Count} times; give it once."),
        };
    }

    private static T ParseQuery<T>(string text, string name, string expected, Func<string, T?> parse)
        where T : struct
        => parse(text) ?? throw ApiProblemException.BadRequest($"Query parameter '{name}' must be {expected}.");

    private static List<string>? SplitList(StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        return values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
    }

    private static string? NullIfEmpty(StringValues values) => string.IsNullOrEmpty(values.ToString()) ? null : values.ToString();

    private static long? ParseId(StringValues values)
    {
        if (values.Count == 0 || string.IsNullOrEmpty(values[0]))
        {
            return null;
        }

        return long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out long id)
            ? id
            : throw ApiProblemException.BadRequest("'imageId' must be a number.");
    }
}
