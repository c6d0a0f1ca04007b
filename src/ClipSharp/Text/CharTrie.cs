namespace ClipSharp.Text;

/// <summary>
/// A trie over UTF-16 code units (or over bytes held one per char), for the longest-match and all-prefix searches of
/// the tokenizers: walk it from <see cref="Root"/> with <see cref="Step"/> one char at a time and read the value of
/// each node reached. Adding a key twice keeps the last value.
/// </summary>
internal sealed class CharTrie<TValue>
{
    public const int Root = 0;

    // Edge (node << 16 | char) → child node; per node, its value if a key ends there.
    private readonly Dictionary<long, int> _edges = [];
    private readonly List<(bool Has, TValue Value)> _values = [(false, default!)];

    public void Add(string key, TValue value)
    {
        int node = Root;
        foreach (char c in key)
        {
            long edge = ((long)node << 16) | c;
            if (!_edges.TryGetValue(edge, out int child))
            {
                child = _values.Count;
                _values.Add((false, default!));
                _edges[edge] = child;
            }

            node = child;
        }

        _values[node] = (true, value);
    }

    /// <summary>Moves <paramref name="node"/> along the edge labelled <paramref name="c"/>; false when there is none.</summary>
    public bool Step(ref int node, char c) => _edges.TryGetValue(((long)node << 16) | c, out node);

    /// <summary>The value of the key that ends at <paramref name="node"/>, if one does.</summary>
    public bool TryGetValue(int node, out TValue value)
    {
        (bool has, value) = _values[node];
        return has;
    }
}
