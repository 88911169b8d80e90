namespace QueueService.Tasks;

/// <summary>
/// The queued-set score: priority first (higher runs first), then a global enqueue sequence
/// (FIFO within a priority). <c>score = (MaxPriority - priority) * 2^46 + sequence</c>, so the
/// lowest score runs first and the value stays an exact integer in a double (&lt; 2^53).
/// The Redis scripts restate this formula; <c>TaskScoreTests</c> pins both to these numbers.
/// </summary>
public static class TaskScore
{
    /// <summary>2^46: room for 70 trillion enqueues per namespace.</summary>
    public const long SequenceSpan = 1L << 46;

    /// <summary>Packs a priority and a sequence number.</summary>
    /// <exception cref="ArgumentOutOfRangeException">Priority outside 0–100 or sequence outside [1, 2^46).</exception>
    public static long For(int priority, long sequence)
    {
        Priority.Validate(priority);
        if (sequence is < 1 or >= SequenceSpan)
            throw new ArgumentOutOfRangeException(nameof(sequence), sequence, "sequence must be in [1, 2^46)");
        return (Priority.Max - priority) * SequenceSpan + sequence;
    }

    /// <summary>The priority a score was packed with.</summary>
    public static int PriorityOf(long score) => Priority.Max - (int)(score / SequenceSpan);

    /// <summary>The sequence number a score was packed with.</summary>
    public static long SequenceOf(long score) => score % SequenceSpan;
}
