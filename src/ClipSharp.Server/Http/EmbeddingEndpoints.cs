using ClipSharp.Server.Contracts;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Http;

/// <summary><c>POST /v1/embeddings/text</c> and <c>/v1/embeddings/image</c>: embeddings of texts and images.</summary>
internal static class EmbeddingEndpoints
{
    public static async Task<IResult> EmbedTexts(HttpContext c, ServerState state)
    {
        var request = await RequestReader.ReadJsonAsync<TextEmbeddingRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
        var inference = state.Inference;
        IReadOnlyList<string> texts = RequestValues.OneOrMany(request.Text, request.Texts, "text", "texts");
        RequestValues.CheckTexts(texts, state.Options.MaxTextsPerRequest, state.Options.MaxTextLength, "texts");
        float[][] vectors = await inference.EmbedTextsAsync(texts, c.RequestAborted).ConfigureAwait(false);
        return Results.Json(new EmbeddingResponse(inference.Backend.ModelName, inference.Dimension,
            vectors.Select((v, i) => new EmbeddingItem(i, texts[i], v)).ToList()));
    }

    public static async Task<IResult> EmbedImages(HttpContext c, ServerState state)
    {
        var inference = state.Inference;
        var images = new List<ImageInput>();
        if (RequestReader.IsJson(c.Request))
        {
            var request = await RequestReader.ReadJsonAsync<ImageEmbeddingRequest>(c.Request, c.RequestAborted).ConfigureAwait(false);
            IReadOnlyList<string?> encoded = RequestValues.OneOrMany(request.Image, request.Images, "image", "images");
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
}
