using ClipSharp.Cli;

var output = Console.IsOutputRedirected ? PipeOutputWriter.ForStandardOutput() : Console.Out;
try
{
    return await CliApp.RunAsync(args, new CliConsole(output, Console.Error, Console.In, Console.IsOutputRedirected)).ConfigureAwait(false);
}
finally
{
    try
    {
        output.Flush();
    }
    catch (IOException)
    {
        // The reader of standard output is gone.
    }
}
