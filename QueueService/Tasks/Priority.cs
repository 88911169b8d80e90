namespace QueueService.Tasks;

/// <summary>Task priority: an integer 0–100, default 0; higher runs first.</summary>
public static class Priority
{
    /// <summary>The lowest priority, and the default.</summary>
    public const int Min = 0;
    /// <summary>The highest priority.</summary>
    public const int Max = 100;
    /// <summary>The priority of a task submitted without one.</summary>
    public const int Default = 0;

    /// <summary>True when <paramref name="priority"/> is within 0–100.</summary>
    public static bool IsValid(int priority) => priority is >= Min and <= Max;

    /// <exception cref="ArgumentOutOfRangeException">Outside 0–100.</exception>
    public static void Validate(int priority)
    {
        if (!IsValid(priority))
            throw new ArgumentOutOfRangeException(nameof(priority), priority, $"priority must be between {Min} and {Max}");
    }
}
