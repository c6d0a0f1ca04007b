namespace ClipSharp.Text.PreTokenizers;

/// <summary>What a split does with the matched delimiters (the Rust library's <c>SplitDelimiterBehavior</c>).</summary>
internal enum SplitBehavior
{
    /// <summary>Delimiters are dropped.</summary>
    Removed,

    /// <summary>Each delimiter is a piece of its own.</summary>
    Isolated,

    /// <summary>Each delimiter is glued to the piece before it.</summary>
    MergedWithPrevious,

    /// <summary>Each delimiter is glued to the piece after it.</summary>
    MergedWithNext,

    /// <summary>Runs of delimiters are one piece.</summary>
    Contiguous,
}
