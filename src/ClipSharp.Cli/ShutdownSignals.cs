using System.Runtime.InteropServices;

namespace ClipSharp.Cli;

/// <summary>
/// Ctrl-C and SIGTERM for a command that stops gracefully and takes its time doing so (<c>serve</c> drains running
/// requests): the first signal, or the command's own cancellation, fires <see cref="Token"/>; a second signal ends
/// the process at once with the conventional code (130 for SIGINT, 143 for SIGTERM).
/// </summary>
internal sealed class ShutdownSignals : IDisposable
{
    private readonly CancellationTokenSource _first;
    private readonly PosixSignalRegistration[] _registrations;
    private int _received;

    public ShutdownSignals(CancellationToken cancellation)
    {
        _first = CancellationTokenSource.CreateLinkedTokenSource(cancellation);
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, context => OnSignal(context, 130)),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, context => OnSignal(context, 143)),
        ];
    }

    /// <summary>Fires on the first signal (or when the command is cancelled otherwise).</summary>
    public CancellationToken Token => _first.Token;

    /// <summary>The signal that fired <see cref="Token"/>, for messages ("SIGTERM"), or null when it was a cancellation.</summary>
    public string? First { get; private set; }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _first.Dispose();
    }

    private void OnSignal(PosixSignalContext context, int exitCode)
    {
        // Handled here: the runtime's default (terminate now) only applies to the second signal, below.
        context.Cancel = true;
        if (Interlocked.Increment(ref _received) == 1)
        {
            First = context.Signal == PosixSignal.SIGINT ? "SIGINT" : "SIGTERM";
            _first.Cancel();
            return;
        }

        Environment.Exit(exitCode);
    }
}
