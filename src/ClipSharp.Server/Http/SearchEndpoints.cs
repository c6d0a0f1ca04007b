using System.Globalization;
using ClipSharp.Index;
using ClipSharp.Server.Contracts;
using ClipSharp.Server.Files;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Http;

/// <summary><c>GET/POST /v1/search</c> and <c>GET /v1/folders</c>: photo search, one page at a time, over the index.</summary>
internal static class SearchEndpoints
{
    private const int MaxSearchLimit = 200;
    private const int MaxFolderLength = 4096;

    public static Task<IResult> SearchGet(HttpContext c, ServerState state)
    {
        var query = c.Request.Query;
        string? q = RequestValues.QueryValue(query, "q");
        if (string.IsNullOrWhiteSpace(q))
        {
            throw ApiProblemException.BadRequest("'q' is required: the text to search for.");
        }

        return SearchCore(c, state, new SearchRequest(
            Text: q,
            Limit: RequestValues.QueryValue(query, "limit") is { } limit ? RequestValues.ParseQuery<int>(limit, "limit", "an integer from 1 to 200", s => int.TryParse(s, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out int v) ? v : null) : null,
            MinScore: RequestValues.QueryValue(query, "minScore") is { } min ? RequestValues.ParseQuery<float>(min, "minScore", "a number from -1 to 1", s => float.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out float v) ? v : null) : null,
            In: RequestValues.QueryValue(query, "in"),
            After: RequestValues.QueryValue(query, "after") is { } after ? ParseDate(after, "after") : null,
            Before: RequestValues.QueryValue(query, "before") is { } before ? ParseDate(before, "before") : null,
            Sort: RequestValues.QueryValue(query, "sort"),
            Cursor: RequestValues.QueryValue(query, "cursor")));
    }

    private static DateTime ParseDate(string text, string name)
        => RequestValues.ParseQuery<DateTime>(text, name, "a date in ISO 8601 form, such as 2024-05-01", s => DateTime.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var v) ? v : null);

    private static PhotoSort ParseSort(string? sort) => sort?.ToUpperInvariant() switch
    {
        null or "" or "RELEVANCE" => PhotoSort.Relevance,
        "NEWEST" => PhotoSort.Newest,
        "OLDEST" => PhotoSort.Oldest,
        _ => throw ApiProblemException.BadRequest("'sort' must be relevance, newest or oldest."),
    };

    public static async Task<IResult> GetFolders(HttpContext c, ServerState state)
    {
        var folders = await state.Folders.GetAsync(state.Search, c.RequestAborted).ConfigureAwait(false);
        return Results.Json(new FoldersResponse([.. folders.Folders.Select(f => new IndexFolder(f, folders.RelativeFolder(f)))]));
    }

    public static async Task<IResult> SearchPost(HttpContext c, ServerState state)
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

        if (request.In is { } folder && folder.Contains('\0', StringComparison.Ordinal))
        {
            throw ApiProblemException.BadRequest("'in' is not a folder path: it holds a null character.");
        }

        var terms = SearchTerms.Read(request, state.Options.MaxTextLength);
        var vectors = new float[terms.Count][];
        for (int i = 0; i < terms.Count; i++)
        {
            var term = terms[i];
            if (term.Text is not null)
            {
                vectors[i] = (await inference.EmbedTextsAsync([term.Text], c.RequestAborted).ConfigureAwait(false))[0];
            }
            else if (term.Image is not null)
            {
                vectors[i] = (await inference.EmbedImagesAsync([RequestReader.DecodeBase64(term.Image, $"term {i} image")], state.Options.MaxImagePixels, c.RequestAborted).ConfigureAwait(false))[0];
            }
            else
            {
                vectors[i] = await QueryImages.StoredEmbeddingAsync(state, term.ImageId!.Value, c.RequestAborted).ConfigureAwait(false);
            }
        }

        // The same combination as the command line's query arithmetic: Σ weight · normalise(term), normalised.
        float[] query = SearchQuery.TryCombine([.. terms.Select(t => t.Weight)], vectors)
            ?? throw ApiProblemException.BadRequest("The weighted terms cancel out: the combined query is zero.");
        var page = await SearchPager.PageAsync(search, query, new SearchOptions
        {
            MinScore = request.MinScore,
            Folder = string.IsNullOrWhiteSpace(request.In) ? null : request.In,
            TakenAfter = request.After,
            TakenBefore = request.Before,
        }, sort, cursor, limit, c.RequestAborted).ConfigureAwait(false);
        var folders = await state.Folders.GetAsync(search, c.RequestAborted).ConfigureAwait(false);
        var results = page.Hits.Select(h => new SearchResult(
            h.Id, h.Path, Path.GetFileName(h.Path), h.Score, h.Size, h.Date, h.TakenAt,
            FormattableString.Invariant($"/v1/images/{h.Id}/thumbnail"), FormattableString.Invariant($"/v1/images/{h.Id}"),
            folders.Relative(h.Path))).ToList();
        return Results.Json(new SearchResponse(inference.Backend.ModelName, results, page.Next?.Encode(), page.Total, page.TotalAtLeast));
    }
}
