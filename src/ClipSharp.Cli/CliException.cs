namespace ClipSharp.Cli;

/// <summary>A user mistake on the command line: printed as one line, exit code 2.</summary>
internal sealed class CliUsageException : Exception
{
    public CliUsageException(string message) : base(message) { }

    public CliUsageException() { }

    public CliUsageException(string message, Exception innerException) : base(message, innerException) { }
}
