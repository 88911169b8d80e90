namespace QueueService.Tests.Snapshots;

/// <summary>
/// Passes reads and writes through to another stream until <c>failAfterBytes</c> have gone by, then
/// throws an <see cref="IOException"/>, as a full disk or a failing drive would. Optionally hides that
/// the stream can seek. Never disposes the inner stream.
/// </summary>
internal sealed class FaultyStream(Stream inner, long failAfterBytes = long.MaxValue, bool canSeek = true) : Stream
{
    private long _bytes;

    public override bool CanRead => inner.CanRead;
    public override bool CanSeek => canSeek && inner.CanSeek;
    public override bool CanWrite => inner.CanWrite;
    public override long Length => CanSeek ? inner.Length : throw new NotSupportedException();

    public override long Position
    {
        get => CanSeek ? inner.Position : throw new NotSupportedException();
        set => inner.Position = CanSeek ? value : throw new NotSupportedException();
    }

    public override void Flush() => inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        Spend(buffer.Length);
        return inner.Read(buffer);
    }

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        Spend(buffer.Length);
        inner.Write(buffer);
    }

    public override long Seek(long offset, SeekOrigin origin) => CanSeek ? inner.Seek(offset, origin) : throw new NotSupportedException();

    public override void SetLength(long value) => inner.SetLength(value);

    private void Spend(int bytes)
    {
        if (_bytes + bytes > failAfterBytes) throw new IOException($"Injected failure after {failAfterBytes} bytes.");
        _bytes += bytes;
    }
}
