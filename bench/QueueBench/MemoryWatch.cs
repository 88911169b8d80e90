namespace QueueBench;

/// <summary>
/// Samples the process's working set and managed heap every few milliseconds on its own thread (not
/// the pool, which a backup may keep busy) while one phase runs, and keeps the peaks.
/// </summary>
internal sealed class MemoryWatch : IDisposable
{
    private static readonly TimeSpan Period = TimeSpan.FromMilliseconds(5);
    private readonly long _startWorkingSet = Environment.WorkingSet;
    private readonly long _startAllocated = GC.GetTotalAllocatedBytes(precise: false);
    private readonly Thread _sampler;
    private volatile bool _stopping;
    private long _peakWorkingSet;
    private long _peakHeap;

    private MemoryWatch()
    {
        _peakWorkingSet = _startWorkingSet;
        _peakHeap = GC.GetTotalMemory(forceFullCollection: false);
        _sampler = new Thread(Sample) { IsBackground = true, Name = "bench-memory-watch" };
        _sampler.Start();
    }

    /// <summary>Starts watching now.</summary>
    public static MemoryWatch Start() => new();

    /// <summary>Stops watching and returns the figures of the phase.</summary>
    public MemoryFigures Stop()
    {
        _stopping = true;
        _sampler.Join();
        Take();
        const double Mb = 1024 * 1024;
        return new MemoryFigures(_startWorkingSet / Mb, _peakWorkingSet / Mb, _peakHeap / Mb,
            (GC.GetTotalAllocatedBytes(precise: false) - _startAllocated) / Mb);
    }

    public void Dispose()
    {
        _stopping = true;
        _sampler.Join();
    }

    private void Sample()
    {
        while (!_stopping)
        {
            Take();
            Thread.Sleep(Period);
        }
    }

    private void Take()
    {
        _peakWorkingSet = Math.Max(_peakWorkingSet, Environment.WorkingSet);
        _peakHeap = Math.Max(_peakHeap, GC.GetTotalMemory(forceFullCollection: false));
    }
}

/// <summary>One phase's memory, in MiB: working set at its start, peak working set, peak managed heap, bytes allocated during it.</summary>
internal sealed record MemoryFigures(double StartWorkingSetMb, double PeakWorkingSetMb, double PeakHeapMb, double AllocatedMb);
