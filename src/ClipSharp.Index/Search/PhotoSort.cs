namespace ClipSharp.Index;

/// <summary>The order of search results.</summary>
internal enum PhotoSort
{
    /// <summary>Best match first (score descending, then id).</summary>
    Relevance,

    /// <summary>Most recent first (date taken, else modification time; then id).</summary>
    Newest,

    /// <summary>Oldest first (date taken, else modification time; then id).</summary>
    Oldest,
}
