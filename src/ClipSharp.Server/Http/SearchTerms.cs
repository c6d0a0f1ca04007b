using ClipSharp.Server.Contracts;

namespace ClipSharp.Server.Http;

/// <summary>
/// The query terms of a search request: <c>text</c>, <c>image</c> and <c>imageId</c> (each a term of weight 1, in
/// that order) and then <c>terms</c>; at most <see cref="MaxTerms"/>, each with exactly one input and a finite weight.
/// </summary>
internal static class SearchTerms
{
    public const int MaxTerms = 16;

    /// <summary>The request's terms, checked; 400/413 problems name the term by its index.</summary>
    public static List<SearchTerm> Read(SearchRequest request, int maxTextLength)
    {
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
                RequestValues.CheckTexts([term.Text], 1, maxTextLength, $"term {i} text");
            }
        }

        return terms;
    }
}
