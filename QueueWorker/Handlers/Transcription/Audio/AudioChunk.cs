namespace QueueWorker.Handlers.Transcription.Audio;

/// <summary>One piece of prepared audio, in samples (16 kHz).</summary>
/// <param name="Index">0-based position among the chunks.</param>
/// <param name="StartSample">First sample.</param>
/// <param name="SampleCount">Samples in it (at least 1).</param>
public sealed record AudioChunk(int Index, long StartSample, long SampleCount)
{
    /// <summary>One past the last sample.</summary>
    public long EndSample => StartSample + SampleCount;

    /// <summary>Where it ends, in seconds from the start of the audio.</summary>
    public double EndSeconds => EndSample / (double)WavHeader.TargetSampleRate;
}
