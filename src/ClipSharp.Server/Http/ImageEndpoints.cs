using System.Globalization;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server.Http;

/// <summary><c>GET /v1/images/{id}</c> and its thumbnail: indexed files, served only while they are the indexed ones.</summary>
internal static class ImageEndpoints
{
    public static IResult NotAnId() => throw ApiProblemException.NotFound("Images are addressed by the numeric id of an indexed file.");

    public static async Task<IResult> GetImage(HttpContext c, ServerState state, long id)
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

    public static async Task<IResult> GetThumbnail(HttpContext c, ServerState state, long id)
    {
        int size = RequestValues.QueryValue(c.Request.Query, "size") is { } text
            ? RequestValues.ParseQuery<int>(text, "size", $"an integer from {ThumbnailService.MinSize} to {ThumbnailService.MaxSize}", s => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int v) ? v : null)
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
}
