using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using QueueService.Workers;

namespace QueueService.Maintenance;

/// <summary>
/// One maintenance concern run on a period: once at start, then every <see cref="Interval"/>. A failing
/// round is logged (once per outage, see <c>FailureStreak</c>) and the next round tries again: store errors
/// never stop the loop.
/// </summary>
public abstract class MaintenanceLoop : BackgroundService
{
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Creates the loop.</summary>
    protected MaintenanceLoop(TimeProvider time, ILogger logger)
    {
        _time = time;
        _logger = logger;
    }

    /// <summary>The clock the loop runs on.</summary>
    protected TimeProvider Time => _time;

    /// <summary>What the loop does, for logs (<c>Lease reaping</c>).</summary>
    protected abstract string Activity { get; }

    /// <summary>The period between rounds.</summary>
    protected abstract TimeSpan Interval { get; }

    /// <summary>False to not run at all (disabled by options).</summary>
    protected virtual bool IsEnabled => true;

    /// <summary>One round.</summary>
    protected abstract Task RunOnceAsync(CancellationToken cancellationToken);

    /// <inheritdoc/>
    protected sealed override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (!IsEnabled)
        {
            _logger.LogInformation("{Activity} is disabled", Activity);
            return;
        }
        var failures = new FailureStreak(_logger, _time, Activity);
        using var timer = new PeriodicTimer(Interval, _time);
        try
        {
            do
            {
                try
                {
                    await RunOnceAsync(stoppingToken).ConfigureAwait(false);
                    failures.Succeeded();
                }
                catch (Exception ex) when (!stoppingToken.IsCancellationRequested)
                {
                    failures.Failed(ex);
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
