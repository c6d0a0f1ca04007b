using System.Globalization;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Primitives;

namespace ClipSharp.Server.Http;

/// <summary>Checks and parses request values (lists of texts, query parameters, form fields) into 400/413 problems naming the value.</summary>
internal static class RequestValues
{
    public static async Task<ImageInput?> SingleFileAsync(IFormCollection form, CancellationToken cancellationToken)
    {
        if (form.Files.Count > 1)
        {
            throw ApiProblemException.BadRequest("Upload one image.");
        }

        return form.Files.Count == 1 ? await RequestReader.ReadFileAsync(form.Files[0], "image", cancellationToken).ConfigureAwait(false) : null;
    }

    public static IReadOnlyList<T> OneOrMany<T>(T? one, IReadOnlyList<T>? many, string oneName, string manyName)
        where T : class
    {
        if ((one is null) == (many is null))
        {
            throw ApiProblemException.BadRequest($"Give exactly one of '{oneName}' or '{manyName}'.");
        }

        return many ?? [one!];
    }

    /// <summary>Checks a list of texts: not empty, at most <paramref name="max"/>, none null, blank or longer than <paramref name="maxLength"/>.</summary>
    public static void CheckTexts(IReadOnlyList<string?> texts, int max, int maxLength, string name)
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
    public static string? QueryValue(IQueryCollection query, string name)
    {
        var values = query[name];
        return values.Count switch
        {
            0 => null,
            1 => values[0],
            _ => throw ApiProblemException.BadRequest($"Query parameter '{name}' is given {values.Count} times; give it once."),
        };
    }

    public static T ParseQuery<T>(string text, string name, string expected, Func<string, T?> parse)
        where T : struct
        => parse(text) ?? throw ApiProblemException.BadRequest($"Query parameter '{name}' must be {expected}.");

    public static List<string>? SplitList(StringValues values)
    {
        if (values.Count == 0)
        {
            return null;
        }

        return values.SelectMany(v => (v ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries)).ToList();
    }

    public static string? NullIfEmpty(StringValues values) => string.IsNullOrEmpty(values.ToString()) ? null : values.ToString();

    public static long? ParseId(StringValues values)
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
