using System.Runtime.CompilerServices;

namespace ClipSharp.Tests;

/// <summary>
/// Process-wide settings of every test assembly: models' optimised forms go to a scratch folder of this test process
/// (removed at exit) instead of the user's cache folder, unless CLIPSHARP_OPTIMIZED_MODELS is already set. Child
/// processes (the CLI) inherit it.
/// </summary>
internal static class TestEnvironment
{
#pragma warning disable CA2255 // a test assembly is an application, not a library
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        const string Variable = "CLIPSHARP_OPTIMIZED_MODELS";
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable(Variable)))
        {
            return;
        }

        string dir = Path.Combine(Path.GetTempPath(), $"clipsharp-tests-optimized-{Environment.ProcessId}");
        Environment.SetEnvironmentVariable(Variable, dir);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(dir, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
            }
        };
    }
}
