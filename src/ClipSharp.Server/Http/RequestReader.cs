using System.Text.Json;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;
using Microsoft.Net.Http.Headers;

namespace ClipSharp.Server.Http;

/// <summary>Reads request bodies strictly: JSON of the expected shape, multipart forms, raw images, base64.</summary>
internal static class RequestReader
{
    public static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        UnmappedMemberHandling = System.Text.Json.Serialization.JsonUnmappedMemberHandling.Disallow,
        AllowTrailingCommas = false,
        ReadCommentHandling = JsonCommentHandling.Disallow,
    };

    public static bool IsJson(HttpRequest request)
        => MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
           && (type.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
               || (type.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) ?? false));

    public static bool IsMultipart(HttpRequest request)
        => MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
           && type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase);

    public static bool IsRawImage(HttpRequest request)
        => MediaTypeHeaderValue.TryParse(request.ContentType, out var type)
           && (type.MediaType.Equals("application/octet-stream", StringComparison.OrdinalIgnoreCase)
               || (type.MediaType.Value?.StartsWith("image/", StringComparison.OrdinalIgnoreCase) ?? false));

    public static ApiProblemException UnsupportedType(HttpRequest request, string accepted)
        => new(StatusCodes.Status415UnsupportedMediaType, "unsupported-media-type",
            $"Content-Type '{(string.IsNullOrEmpty(request.ContentType) ? "(none)" : request.ContentType)}' is not accepted here; send {accepted}.");

    /// <summary>Reads a JSON body of type <typeparamref name="T"/>; 415 for another content type, 400 for bad JSON.</summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken cancellationToken)
        where T : class
    {
        if (!IsJson(request))
        {
            throw UnsupportedType(request, "application/json");
        }

        T? value;
        try
        {
            value = await JsonSerializer.DeserializeAsync<T>(request.Body, Json, cancellationToken).ConfigureAwait(false);
        }
        catch (JsonException ex)
        {
            throw new ApiProblemException(StatusCodes.Status400BadRequest, "malformed-json", JsonErrors.Describe(ex, Json.GetTypeInfo(typeof(T))));
        }

        return value ?? throw new ApiProblemException(StatusCodes.Status400BadRequest, "malformed-json", "The body is JSON null; an object is expected.");
    }

    /// <summary>Reads the whole body (bounded by the server's request size limit).</summary>
    public static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        await request.Body.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        return buffer.ToArray();
    }

    public static async Task<IFormCollection> ReadFormAsync(HttpRequest request, CancellationToken cancellationToken)
    {
        try
        {
            return await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("count limit", StringComparison.OrdinalIgnoreCase))
        {
            // Too many fields or part headers: a count, not a size.
            throw ApiProblemException.OverLimit("Malformed multipart body: " + ex.Message);
        }
        catch (InvalidDataException ex) when (ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase))
        {
            throw new ApiProblemException(StatusCodes.Status413PayloadTooLarge, "request-too-large", ex.Message);
        }
        catch (InvalidDataException ex)
        {
            throw ApiProblemException.BadRequest("Malformed multipart body: " + ex.Message);
        }
        catch (IOException ex) when (ex is not BadHttpRequestException)
        {
            throw ApiProblemException.BadRequest("Malformed multipart body: " + ex.Message);
        }
    }

    public static async Task<ImageInput> ReadFileAsync(IFormFile file, string label, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream((int)Math.Min(file.Length, int.MaxValue));
        await using (var stream = file.OpenReadStream())
        {
            await stream.CopyToAsync(buffer, cancellationToken).ConfigureAwait(false);
        }

        // The stream's own array (sized from the part's length), not a second copy of the upload.
        string? name = string.IsNullOrWhiteSpace(file.FileName) ? null : Path.GetFileName(file.FileName);
        return new ImageInput(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), name, name is null ? label : $"{label} ({name})");
    }

    /// <summary>Decodes base64 or a <c>data:</c> URL; <paramref name="label"/> names the item in errors.</summary>
    public static ImageInput DecodeBase64(string? value, string label)
    {
        if (value is null)
        {
            throw ApiProblemException.BadRequest($"{label} is null; give the image as base64 or a data: URL.");
        }

        ReadOnlySpan<char> text = value.AsSpan().Trim();
        if (text.StartsWith("data:", StringComparison.OrdinalIgnoreCase))
        {
            int comma = text.IndexOf(',');
            if (comma < 0 || !text[..comma].EndsWith(";base64", StringComparison.OrdinalIgnoreCase))
            {
                throw ApiProblemException.BadRequest($"{label}: a data: URL must be base64 encoded (data:image/...;base64,...)");
            }

            text = text[(comma + 1)..];
        }

        byte[] bytes = new byte[(text.Length * 3 / 4) + 3];
        if (!Convert.TryFromBase64Chars(text, bytes, out int written))
        {
            throw ApiProblemException.BadRequest($"{label}: not valid base64");
        }

        if (written == 0)
        {
            throw new ApiProblemException(StatusCodes.Status422UnprocessableEntity, "not-an-image", $"{label}: the image is empty");
        }

        return new ImageInput(bytes.AsMemory(0, written), null, label);
    }
}
