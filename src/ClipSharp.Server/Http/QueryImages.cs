using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Http;

/// <summary>The image of a request: an upload, or an indexed image by id (its stored embedding, while its file is the indexed one).</summary>
internal static class QueryImages
{
    public static async Task<float[]> ImageEmbeddingAsync(HttpContext c, ServerState state, ImageInput? upload, long? imageId)
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
    public static async Task<float[]> StoredEmbeddingAsync(ServerState state, long id, CancellationToken cancellationToken)
    {
        var search = state.Search;
        await state.Files.VerifyAsync(search, id, cancellationToken).ConfigureAwait(false);
        return (await search.Store.GetByIdAsync(id, withEmbedding: true, cancellationToken).ConfigureAwait(false))?.Embedding
            ?? throw ApiProblemException.NotFound(FormattableString.Invariant($"No indexed image has id {id}."));
    }
}
