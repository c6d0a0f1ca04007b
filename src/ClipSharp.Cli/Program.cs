using ClipSharp.Cli;

return await CliApp.RunAsync(args, new CliConsole(Console.Out, Console.Error, Console.In, Console.IsOutputRedirected)).ConfigureAwait(false);
