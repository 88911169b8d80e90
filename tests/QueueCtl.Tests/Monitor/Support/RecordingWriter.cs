using System.Text;

namespace QueueCtl.Tests.Monitor.Support;

/// <summary>A text writer that records what is written and can be read while another thread writes (watch runs in the background).</summary>
internal sealed class RecordingWriter : TextWriter
{
    private readonly StringBuilder _text = new();

    public override Encoding Encoding => Encoding.UTF8;

    /// <summary>Everything written so far.</summary>
    public string Text
    {
        get { lock (_text) return _text.ToString(); }
    }

    public override void Write(char value)
    {
        lock (_text) _text.Append(value);
    }

    public override void Write(string? value)
    {
        lock (_text) _text.Append(value);
    }

    public override void Write(char[] buffer, int index, int count)
    {
        lock (_text) _text.Append(buffer, index, count);
    }
}
