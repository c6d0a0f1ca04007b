using System.Globalization;
using ClipSharp.Server.Contracts;
using ClipSharp.Server.Inference;
using Microsoft.AspNetCore.Http;

namespace ClipSharp.Server.Http;

/// <summary><c>POST /v1/classify</c> and <c>/v1/rank-texts</c>: zero-shot classification and caption ranking of one image.</summary>
internal static class ClassifyEndpoints
{
    public static async Task<IResult> Classify(HttpContext c, ServerState state)
    {
        ClassifyRequest request;
        ImageInput? upload = null;
        if (RequestReader.IsMultipart(c.Request))
        {
            var form = await RequestReader.ReadFormAsync(c.Request, c.RequestAborted).ConfigureAwait(false);
            upload = await RequestValues.SingleFileAsync(form, c.RequestAborted).ConfigureAwait(false);
            request = new ClassifyRequest(
                ImageId: RequestValues.ParseId(form["imageId"]),
                Labels: RequestValues.SplitList(form["labels"]),
                Template: RequestValues.NullIfEmpty(form["template"]),
                Templates: form["templates"].Count > 0 ? form["templates"].Where(t => !string.IsNullOrEmpty(t)).Select(t => t!).ToList() : null,
                Ensemble: RequestValues.NullIfEmpty(form["ensemble"]));
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
        RequestValues.CheckTexts(labels, state.Options.MaxLabels, state.Options.MaxLabelLength, "labels");
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

        float[] image = await QueryImages.ImageEmbeddingAsync(c, state, upload, request.ImageId).ConfigureAwait(false);
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

    public static async Task<IResult> RankTexts(HttpContext c, ServerState state)
    {
        RankTextsRequest request;
        ImageInput? upload = null;
        if (RequestReader.IsMultipart(c.Request))
        {
            var form = await RequestReader.ReadFormAsync(c.Request, c.RequestAborted).ConfigureAwait(false);
            upload = await RequestValues.SingleFileAsync(form, c.RequestAborted).ConfigureAwait(false);
            request = new RankTextsRequest(ImageId: RequestValues.ParseId(form["imageId"]), Texts: form["texts"].Select(t => t ?? "").ToList());
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
        RequestValues.CheckTexts(texts, state.Options.MaxTextsPerRequest, state.Options.MaxTextLength, "texts");
        float[] image = await QueryImages.ImageEmbeddingAsync(c, state, upload, request.ImageId).ConfigureAwait(false);
        float[][] embedded = await inference.EmbedTextsAsync(texts, c.RequestAborted).ConfigureAwait(false);
        var (cosines, probabilities) = inference.Score(image, embedded);
        var ranked = Enumerable.Range(0, texts.Count)
            .Select(i => new RankedText(i, texts[i], cosines[i], probabilities[i]))
            .OrderByDescending(r => r.Score).ThenBy(r => r.Index)
            .ToList();
        return Results.Json(new RankTextsResponse(inference.Backend.ModelName, ranked));
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
}
