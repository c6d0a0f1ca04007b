namespace ClipSharp.Index;

/// <summary>What a path is, after following symbolic links.</summary>
internal enum FileKind
{
    /// <summary>Nothing there (vanished, or a link whose target is gone).</summary>
    Missing,

    /// <summary>A regular file: the only kind the indexer opens.</summary>
    Regular,

    /// <summary>A folder.</summary>
    Directory,

    /// <summary>A FIFO, socket or device: never opened (opening a FIFO blocks until a writer comes).</summary>
    Special,
}
