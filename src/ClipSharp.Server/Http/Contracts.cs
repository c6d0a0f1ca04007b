namespace ClipSharp.Server.Contracts;

/// <summary>Body of <c>POST /v1/embeddings/text</c>: <c>text</c> or <c>texts</c>.</summary>
/// <param name="Text">One text.</param>
/// <param name="Texts">Several texts.</param>
internal sealed record TextEmbeddingRequest(string? Text = null, IReadOnlyList<string>? Texts = null);

/// <summary>JSON body of <c>POST /v1/embeddings/image</c>: base64 (or data: URL) images.</summary>
/// <param name="Image">One image.</param>
/// <param name="Images">Several images.</param>
internal sealed record ImageEmbeddingRequest(string? Image = null, IReadOnlyList<string>? Images = null);

/// <summary>Embeddings, in input order.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Dimension">The embedding width.</param>
/// <param name="Data">One item per input.</param>
internal sealed record EmbeddingResponse(string Model, int Dimension, IReadOnlyList<EmbeddingItem> Data);

/// <summary>One embedding.</summary>
/// <param name="Index">Position of the input.</param>
/// <param name="Input">The text, or the image's file name when known.</param>
/// <param name="Embedding">The L2-normalised embedding.</param>
internal sealed record EmbeddingItem(int Index, string? Input, float[] Embedding);

/// <summary>JSON body of <c>POST /v1/classify</c>.</summary>
/// <param name="Image">The image, base64 or a data: URL (or give <paramref name="ImageId"/>).</param>
/// <param name="ImageId">An indexed image instead of an upload.</param>
/// <param name="Labels">The labels.</param>
/// <param name="Template">One prompt template with <c>{}</c> for the label (default <c>a photo of a {}.</c>; <c>{}</c> uses labels verbatim).</param>
/// <param name="Templates">Several templates, ensembled.</param>
/// <param name="Ensemble"><c>imagenet80</c> (or <c>imagenet</c>): the CLIP paper's 80 ImageNet templates.</param>
internal sealed record ClassifyRequest(
    string? Image = null,
    long? ImageId = null,
    IReadOnlyList<string>? Labels = null,
    string? Template = null,
    IReadOnlyList<string>? Templates = null,
    string? Ensemble = null);

/// <summary>Label probabilities, in label order.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Best">The most probable label.</param>
/// <param name="Results">One result per label, in the order given.</param>
internal sealed record ClassifyResponse(string Model, string Best, IReadOnlyList<LabelResult> Results);

/// <summary>One label's result.</summary>
/// <param name="Label">The label.</param>
/// <param name="Prompt">The text embedded for it (for an ensemble, a summary).</param>
/// <param name="Score">Cosine similarity of the image and the label.</param>
/// <param name="Probability">softmax(scale · cosine) over the labels.</param>
internal sealed record LabelResult(string Label, string Prompt, float Score, float Probability);

/// <summary>JSON body of <c>POST /v1/rank-texts</c>.</summary>
/// <param name="Image">The image, base64 or a data: URL (or give <paramref name="ImageId"/>).</param>
/// <param name="ImageId">An indexed image instead of an upload.</param>
/// <param name="Texts">Candidate captions, used verbatim.</param>
internal sealed record RankTextsRequest(string? Image = null, long? ImageId = null, IReadOnlyList<string>? Texts = null);

/// <summary>Captions ranked best first.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Results">Best first.</param>
internal sealed record RankTextsResponse(string Model, IReadOnlyList<RankedText> Results);

/// <summary>One ranked caption.</summary>
/// <param name="Index">Position in the request.</param>
/// <param name="Text">The caption.</param>
/// <param name="Score">Cosine similarity with the image.</param>
/// <param name="Probability">softmax(scale · cosine) over the captions.</param>
internal sealed record RankedText(int Index, string Text, float Score, float Probability);

/// <summary>
/// Body of <c>POST /v1/search</c>: a text, an image, an indexed image (more like this), or weighted
/// <paramref name="Terms"/>; all given parts are combined as the normalised sum of weight × embedding.
/// </summary>
/// <param name="Text">A text query.</param>
/// <param name="Image">An image query, base64 or a data: URL.</param>
/// <param name="ImageId">An indexed image: "more like this".</param>
/// <param name="Terms">Weighted terms (a negative weight pushes away).</param>
/// <param name="Limit">At most this many results per page (1–200, default 20).</param>
/// <param name="MinScore">The relevance cut-off: only results with at least this cosine.</param>
/// <param name="In">Only files inside this folder.</param>
/// <param name="After">Only photos taken at or after this date.</param>
/// <param name="Before">Only photos taken before this date.</param>
/// <param name="Sort"><c>relevance</c> (default), <c>newest</c> or <c>oldest</c>.</param>
/// <param name="Cursor">The <c>next</c> of the previous page, for the page after it (same query, filters and sort).</param>
internal sealed record SearchRequest(
    string? Text = null,
    string? Image = null,
    long? ImageId = null,
    IReadOnlyList<SearchTerm>? Terms = null,
    int? Limit = null,
    float? MinScore = null,
    string? In = null,
    DateTime? After = null,
    DateTime? Before = null,
    string? Sort = null,
    string? Cursor = null);

/// <summary>One weighted term of a combined query: exactly one of text, image, imageId.</summary>
/// <param name="Text">A text.</param>
/// <param name="Image">An image, base64 or a data: URL.</param>
/// <param name="ImageId">An indexed image.</param>
/// <param name="Weight">The weight (default 1).</param>
internal sealed record SearchTerm(string? Text = null, string? Image = null, long? ImageId = null, float Weight = 1);

/// <summary>One page of search results.</summary>
/// <param name="Model">The model's name.</param>
/// <param name="Results">This page, in the requested order.</param>
/// <param name="Next">A cursor for the next page (pass it as <c>cursor</c>), or null on the last page.</param>
/// <param name="Total">How many results the query has in all, when known (else null: see <paramref name="TotalAtLeast"/>).</param>
/// <param name="TotalAtLeast">A lower bound of the total, equal to it when it is known.</param>
internal sealed record SearchResponse(string Model, IReadOnlyList<SearchResult> Results, string? Next = null, long? Total = null, long TotalAtLeast = 0);

/// <summary>One search result.</summary>
/// <param name="Id">The index's id of the file (for the image and thumbnail URLs).</param>
/// <param name="Path">The file's full path.</param>
/// <param name="Name">The file name.</param>
/// <param name="Score">Cosine similarity to the query.</param>
/// <param name="Size">Size in bytes.</param>
/// <param name="Date">Date taken when known, else the file's modification time.</param>
/// <param name="TakenAt">EXIF date taken, when known.</param>
/// <param name="Thumbnail">URL of the thumbnail.</param>
/// <param name="Url">URL of the file.</param>
/// <param name="RelativePath">The path below the indexed folder that holds the file, starting with that folder's name.</param>
internal sealed record SearchResult(long Id, string Path, string Name, float Score, long Size, DateTime Date, DateTime? TakenAt, string Thumbnail, string Url, string RelativePath);

/// <summary>Body of <c>GET /v1/folders</c>.</summary>
/// <param name="Folders">Every folder that holds indexed files, in path order.</param>
internal sealed record FoldersResponse(IReadOnlyList<IndexFolder> Folders);

/// <summary>One folder of the index.</summary>
/// <param name="Path">The full path (the search's <c>in</c> filter takes it).</param>
/// <param name="Name">The path relative to the parent of its indexed root, starting with the root's name.</param>
internal sealed record IndexFolder(string Path, string Name);

/// <summary>Body of <c>/healthz</c> and <c>/readyz</c>.</summary>
/// <param name="Status"><c>ok</c> (<c>/healthz</c>) or <c>ready</c> (<c>/readyz</c>).</param>
/// <param name="Model">The model's name, once loaded.</param>
/// <param name="Dimension">The embedding width, once loaded.</param>
/// <param name="Index">Where the photo index lives, when one is configured and no API key is set (public endpoints show no paths then).</param>
/// <param name="Batching">Whether dynamic batching is on.</param>
/// <param name="Files">How many files the photo index holds now, when one is configured.</param>
internal sealed record HealthResponse(string Status, string? Model = null, int? Dimension = null, string? Index = null, bool? Batching = null, long? Files = null);
