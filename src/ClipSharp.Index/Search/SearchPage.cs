namespace ClipSharp.Index;

/// <summary>One page of search results.</summary>
/// <param name="Hits">The results, in the requested order.</param>
/// <param name="Next">Where the next page starts, or null when this is the last.</param>
/// <param name="Total">How many results the query has in all, when known.</param>
/// <param name="TotalAtLeast">A lower bound of the total (equal to it when it is known).</param>
internal sealed record SearchPage(IReadOnlyList<SearchHit> Hits, SearchCursor? Next, long? Total, long TotalAtLeast);
