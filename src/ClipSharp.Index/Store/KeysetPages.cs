using System.Runtime.CompilerServices;

namespace ClipSharp.Index;

/// <summary>
/// Streams the files of a store in pages ordered by path (keyset paging): no cursor, lock or transaction stays open
/// while the caller works on a page, and memory stays bounded by one page.
/// </summary>
internal static class KeysetPages
{
    /// <summary>Rows per page.</summary>
    public const int PageSize = 2048;

    /// <summary>
    /// Yields every file: <paramref name="readPage"/> returns up to <see cref="PageSize"/> files whose path sorts after
    /// its argument ("" for the first page), in path order.
    /// </summary>
    public static async IAsyncEnumerable<IndexedFile> ReadAllAsync(Func<string, Task<List<IndexedFile>>> readPage, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(readPage);
        string after = "";
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            List<IndexedFile> page = await readPage(after).ConfigureAwait(false);
            foreach (var file in page)
            {
                yield return file;
            }

            if (page.Count < PageSize)
            {
                yield break;
            }

            after = page[^1].Path;
        }
    }
}
