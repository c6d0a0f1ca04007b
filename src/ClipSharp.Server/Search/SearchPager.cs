namespace ClipSharp.Server;

/// <summary>
/// Pages of search results with keyset cursors, on top of <see cref="IPhotoSearch.SearchAsync"/> (which answers
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
public static class SearchPager
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
    public static async Task<SearchPage> PageAsync(IPhotoSearch search, ReadOnlyMemory<float> query, PhotoSearchOptions filters, PhotoSort sort,
        SearchCursor? cursor, int limit, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(search);
        ArgumentNullException.ThrowIfNull(filters);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        if (cursor is not null && cursor.Sort != sort)
        {
            throw new ArgumentException($"The cursor belongs to the {cursor.Sort} order, not {sort}.", nameof(cursor));
        }

        long count = await search.CountAsync(cancellationToken).ConfigureAwait(false);
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
            List<PhotoHit> certain = [.. hits.OrderByDescending(h => h.Score).ThenBy(h => h.File.Id)];
            if (!exhausted && certain.Count > 0)
            {
                float boundary = certain[^1].Score;
                certain.RemoveAll(h => h.Score <= boundary);
            }

            if (sort != PhotoSort.Relevance)
            {
                certain = sort == PhotoSort.Newest
                    ? [.. certain.OrderByDescending(DateOf).ThenBy(h => h.File.Id)]
                    : [.. certain.OrderBy(DateOf).ThenBy(h => h.File.Id)];
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

    /// <summary>The date a result is sorted by: taken, else the file's modification time.</summary>
    public static DateTime DateOf(PhotoHit hit)
    {
        ArgumentNullException.ThrowIfNull(hit);
        return hit.File.TakenAt ?? hit.File.ModifiedUtc;
    }

    private static long KeyOf(PhotoHit hit, PhotoSort sort)
        => sort == PhotoSort.Relevance ? BitConverter.SingleToInt32Bits(hit.Score) : DateOf(hit).Ticks;

    private static SearchCursor CursorOf(PhotoHit hit, PhotoSort sort, int seen) => new(sort, KeyOf(hit, sort), hit.File.Id, seen);

    /// <summary>Whether <paramref name="hit"/> comes after the cursor's position in its order.</summary>
    private static bool IsAfter(PhotoHit hit, SearchCursor cursor)
    {
        int byKey = cursor.Sort switch
        {
            PhotoSort.Relevance => BitConverter.Int32BitsToSingle((int)cursor.Key).CompareTo(hit.Score),
            PhotoSort.Newest => cursor.Key.CompareTo(DateOf(hit).Ticks),
            _ => DateOf(hit).Ticks.CompareTo(cursor.Key),
        };
        return byKey > 0 || (byKey == 0 && hit.File.Id > cursor.Id);
    }
}
