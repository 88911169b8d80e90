using System.Runtime.InteropServices;

namespace QueueCtl.Cli;

/// <summary>
/// A token that fires on the first Ctrl+C (SIGINT), SIGTERM, SIGHUP or SIGQUIT, so a command stops on its own terms (watch exits 0,
/// the orchestrator stops its children in order). A second Ctrl+C is left to the runtime and ends the process at once,
/// the way out of a stop that hangs — unless <c>holdRepeats</c> is set (<c>queuectl start</c>: a second Ctrl+C must not
/// end queuectl and orphan the children it is stopping in order).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly PosixSignalRegistration[] _registrations;

    private readonly bool _holdRepeats;

    public StopSignals(bool holdRepeats = false)
    {
        _holdRepeats = holdRepeats;
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            // A closed terminal or ssh session (SIGHUP) and Ctrl+\ (SIGQUIT) stop the command the same way.
            PosixSignalRegistration.Create(PosixSignal.SIGHUP, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
    }

    /// <summary>Fires on the first signal.</summary>
    public CancellationToken Token => _stop.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _stop.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        if (_stop.IsCancellationRequested && !_holdRepeats) return;
        context.Cancel = true;
        _stop.Cancel();
    }
}
