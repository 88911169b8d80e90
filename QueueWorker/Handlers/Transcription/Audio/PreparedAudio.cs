namespace QueueWorker.Handlers.Transcription.Audio;

/// <summary>Audio ready to be cut into chunks: a WAV file of 16 kHz mono 16-bit PCM samples.</summary>
/// <param name="Path">The file: the task's own input when it was already in that format, else a converted copy in the attempt's folder.</param>
/// <param name="Header">Where its samples are.</param>
/// <param name="IsConverted">True when sox made <paramref name="Path"/>.</param>
public sealed record PreparedAudio(string Path, WavHeader Header, bool IsConverted)
{
    /// <summary>Samples (one channel).</summary>
    public long SampleCount => Header.FrameCount;

    /// <summary>Length in seconds.</summary>
    public double DurationSeconds => SampleCount / (double)WavHeader.TargetSampleRate;
}
