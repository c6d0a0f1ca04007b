namespace ClipSharp.Cli;

/// <summary>Standard output was closed by its reader (EPIPE, as in <c>clipsharp … | head -1</c>): the command stops at once.</summary>
internal sealed class ClosedOutputException(IOException inner) : IOException("standard output was closed", inner);
