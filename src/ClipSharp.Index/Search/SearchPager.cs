namespace ClipSharp.Index;

/// <summary>
/// Pages of search results with keyset cursors, on top of <see cref="IIndexSearch.SearchAsync"/> (which answers
/// "the best k"): every result is reachable page by page, none twice, in a total order.
/// </summary>
/// <remarks>
/// Relevance orders by score descending, then id. A page asks the index for the best
/// <c>seen + limit + 2</c> hits and keeps those after the cursor; in a fetch that did not exhaust the matches,
/// hits tied with the lowest fetched score may have unfetched equals, so they wait for a larger fetch (doubled until
/// the page is full or the matches are exhausted). The date orders sort the best
/// <see cref="MaxDateSortCandidates"/> matches by date (taken, else modified), then id; beyond that the total is
/// reported as a lower bound and the cut-off or filters narrow the set.
/// </remarks>
internal static class SearchPager
{
    /// <summary>The date orders sort at most this many of the best matches.</summary>
    public const int MaxDateSortCandidates = 2000;

    /// <summary>One page of at most <paramref name="limit"/> results after <paramref name="cursor"/>.</summary>
    /// <param name="search">The index.</param>
    /// <param name="query">The normalised query embedding.</param>
    /// <param name="filters">Cut-off and filters (its limit is ignored).</param>
    /// <param name="sort">The order.</param>
    /// <param name="cursor">Where the previous page ended, or null for the first page.</param>
    /// <param name="limit">At most this many results.</param>
    /// <param name="cancellationToken">Cancels the search.</param>
    public static async Task<SearchPage> PageAsync(IPhotoIndex search, ReadOnlyMemory<float> query, SearchOptions filters, PhotoSort sort,
        SearchCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (cursor is not null && cursor.Sort != sort)
        {
            throw new ArgumentException($"The cursor belongs to the {cursor.Sort} order, not {sort}.", nameof(cursor));
        }

        long count = (await search.Store.GetCountsAsync(cancellationToken).ConfigureAwait(false)).Files;
        // One more than the index holds: a fetch of that size is always exhausted.
        int everything = (int)Math.Min(count + 1, int.MaxValue);
        int seen = cursor?.Seen ?? 0;
        int fetch = sort == PhotoSort.Relevance
            ? (int)Math.Min((long)seen + limit + 2, everything)
            : Math.Min(MaxDateSortCandidates + 1, everything);
        while (true)
        {
            var hits = await search.SearchAsync(query, filters with { Limit = Math.Max(fetch, 1) }, cancellationToken).ConfigureAwait(false);
            bool exhausted = hits.Count < fetch;
            List<SearchHit> certain = [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.Id)];
            if (!exhausted && certain.Count > 0)
            {
                float boundary = certain[^1].Score;
                certain.RemoveAll(h => h.Score <= boundary);
            }

            if (sort != PhotoSort.Relevance)
            {
                certain = sort == PhotoSort.Newest
                    ? [.. certain.OrderByDescending(h => h.Date).ThenBy(h => h.Id)]
                    : [.. certain.OrderBy(h => h.Date).ThenBy(h => h.Id)];
            }

            var after = cursor is null ? certain : certain.FindAll(h => IsAfter(h, cursor));
            bool canGrow = sort == PhotoSort.Relevance && !exhausted && fetch < everything;
            if (after.Count > limit || !canGrow)
            {
                var page = after.Count > limit ? after.GetRange(0, limit) : after;
                SearchCursor? next = after.Count > limit ? CursorOf(page[^1], sort, seen + page.Count) : null;
                long? total = exhausted ? certain.Count : null;
                return new SearchPage(page, next, total, Math.Max(certain.Count, seen + after.Count));
            }

            fetch = (int)Math.Min((long)fetch * 2, everything);
        }
    }

    private static long KeyOf(SearchHit hit, PhotoSort sort)
        => sort == PhotoSort.Relevance ? BitConverter.SingleToInt32Bits(hit.Score) : hit.Date.Ticks;

    private static SearchCursor CursorOf(SearchHit hit, PhotoSort sort, int seen) => new(sort, KeyOf(hit, sort), hit.Id, seen);

    /// <summary>Whether <paramref name="hit"/> comes after the cursor's position in its order.</summary>
    private static bool IsAfter(SearchHit hit, SearchCursor cursor)
    {
        int byKey = cursor.Sort switch
        {
            PhotoSort.Relevance => BitConverter.Int32BitsToSingle((int)cursor.Key).CompareTo(hit.Score),
            PhotoSort.Newest => cursor.Key.CompareTo(hit.Date.Ticks),
            _ => hit.Date.Ticks.CompareTo(cursor.Key),
        };
        return byKey > 0 || (byKey == 0 && hit.Id > cursor.Id);
    }
}
