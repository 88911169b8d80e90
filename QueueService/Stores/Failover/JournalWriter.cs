using System.Buffers;
using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace QueueService.Stores.Failover;

// The group-commit writer of FailoverJournal: one loop takes the first waiting append, gathers more for up to
// CommitWindow or MaxCommitBatch entries, writes them with one write and one fsync, then completes them all.
public sealed partial class FailoverJournal
{
    private async Task WriteLoopAsync()
    {
        var reader = _pending.Reader;
        var batch = new List<PendingAppend>();
        var buffer = new ArrayBufferWriter<byte>(64 * 1024);
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            // The window starts when the first append is taken, not when the writer gets around to waiting.
            var started = _time.GetTimestamp();
            var entries = Take(reader, batch, 0);
            if (batch.Count == 0) continue;
            entries = await GatherAsync(reader, batch, entries, started).ConfigureAwait(false);
            await _fileLock.WaitAsync().ConfigureAwait(false);
            try
            {
                Commit(batch, entries, buffer);
            }
            finally
            {
                _fileLock.Release();
            }
            if (buffer.Capacity > 4 * 1024 * 1024) buffer = new ArrayBufferWriter<byte>(64 * 1024);
        }
    }

    // Reads what is waiting, up to MaxCommitBatch entries; appends cancelled meanwhile are skipped (they stay out).
    private int Take(ChannelReader<PendingAppend> reader, List<PendingAppend> batch, int entries)
    {
        while (entries < _options.MaxCommitBatch && reader.TryRead(out var append))
        {
            if (!append.TryClaim()) continue;
            batch.Add(append);
            Interlocked.Increment(ref _claimed);
            entries += append.Bodies.Length;
        }
        return entries;
    }

    private async Task<int> GatherAsync(ChannelReader<PendingAppend> reader, List<PendingAppend> batch, int entries, long started)
    {
        var window = _options.CommitWindow;
        if (window <= TimeSpan.Zero) return entries;
        while (entries < _options.MaxCommitBatch)
        {
            var remaining = window - _time.GetElapsedTime(started);
            if (remaining <= TimeSpan.Zero) break;
            using var timeout = new CancellationTokenSource(remaining, _time);
            try
            {
                if (!await reader.WaitToReadAsync(timeout.Token).ConfigureAwait(false)) break;
            }
            catch (OperationCanceledException)
            {
                break;
            }
            entries = Take(reader, batch, entries);
        }
        return entries;
    }

    private void Commit(List<PendingAppend> batch, int entries, ArrayBufferWriter<byte> buffer)
    {
        buffer.Clear();
        foreach (var append in batch)
            foreach (var body in append.Bodies)
                JournalFormat.WriteRecord(buffer, body);
        try
        {
            // After a failed batch the file may hold part of it: cut back to the last durable record first.
            if (_file.Length != _goodLength) _file.SetLength(_goodLength);
            _file.Position = _goodLength;
            Interlocked.Increment(ref _writes);
            if (InjectWriteFault?.Invoke(buffer.WrittenCount) == true)
            {
                _file.Write(buffer.WrittenSpan[..(buffer.WrittenCount / 2)]);
                throw new IOException($"Injected write fault on {_path} (test hook): no space left on device.");
            }
            _file.Write(buffer.WrittenSpan);
            _file.Flush(flushToDisk: true);
            Interlocked.Increment(ref _commits);
        }
        catch (Exception error)
        {
            // Whatever failed, the loop lives on: the batch is refused and the next one starts from the last durable record.
            _logger.LogError(error, "Failover journal {JournalPath}: a group commit of {Entries} entries ({Bytes} bytes) failed; none of them is acknowledged",
                _path, entries, buffer.WrittenCount);
            CutBack();
            var failure = error as IOException ?? new IOException($"The failover journal {_path} could not be written: {error.Message}", error);
            foreach (var append in batch) append.Fail(failure);
            return;
        }
        // Durable from here: every append of the batch is acknowledged.
        _goodLength += buffer.WrittenCount;
        Interlocked.Add(ref _count, entries);
        foreach (var append in batch) append.Complete();
    }

    // Cuts the file back to its last durable record so a later batch starts clean; if even that fails the next commit tries again.
    private void CutBack()
    {
        try
        {
            _file.SetLength(_goodLength);
            _file.Position = _goodLength;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            _logger.LogError(error, "Failover journal {JournalPath}: could not cut the file back to {GoodLength} bytes after a failed write; the next commit retries",
                _path, _goodLength);
        }
    }

    // One call to AppendAsync: its encoded bodies and its caller's task. Claimed by the writer or cancelled, never both.
    private sealed class PendingAppend
    {
        private const int Waiting = 0;
        private const int Claimed = 1;
        private const int Cancelled = 2;
        private readonly TaskCompletionSource _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private readonly CancellationTokenRegistration _registration;
        private int _state;

        public PendingAppend(byte[][] bodies, CancellationToken cancellationToken)
        {
            Bodies = bodies;
            if (cancellationToken.CanBeCanceled)
                _registration = cancellationToken.Register(static (state, token) => ((PendingAppend)state!).Cancel(token), this);
        }

        public byte[][] Bodies { get; }

        public Task Completion => _completion.Task;

        /// <summary>Takes the append into a batch; false when it was cancelled first.</summary>
        public bool TryClaim() => Interlocked.CompareExchange(ref _state, Claimed, Waiting) == Waiting;

        public void Complete()
        {
            _registration.Dispose();
            _completion.TrySetResult();
        }

        public void Fail(IOException error)
        {
            _registration.Dispose();
            _completion.TrySetException(error);
        }

        private void Cancel(CancellationToken token)
        {
            if (Interlocked.CompareExchange(ref _state, Cancelled, Waiting) == Waiting) _completion.TrySetCanceled(token);
        }
    }
}
