// A minimal web API over CLIP with services.AddClipSharp(): the model comes from appsettings.json
// ("ClipSharp": { "Model": "ViT-B-32" }) or the environment (ClipSharp__Model=/path/to/model).
using ClipSharp.Extensions;
using Microsoft.Extensions.AI;

var builder = WebApplication.CreateBuilder(args);
builder.Services.AddClipSharp(builder.Configuration.GetSection(ClipSharpOptions.SectionName));
var app = builder.Build();

app.MapPost("/embed", async (string[] texts, IEmbeddingGenerator<string, Embedding<float>> generator) =>
    (await generator.GenerateAsync(texts)).Select(e => e.Vector.ToArray()));

app.MapPost("/similarity", async (HttpRequest request, string text,
    IEmbeddingGenerator<DataContent, Embedding<float>> images, IEmbeddingGenerator<string, Embedding<float>> texts) =>
{
    using var body = new MemoryStream();
    await request.Body.CopyToAsync(body);
    var image = await images.GenerateVectorAsync(new DataContent(body.ToArray(), request.ContentType ?? "image/jpeg"));
    var caption = await texts.GenerateVectorAsync(text);
    return new { text, cosine = ClipSharp.ClipMath.Cosine(image.Span, caption.Span) };
});

app.Run();
