using System.ComponentModel.DataAnnotations;

namespace QueueService.Stores.Redis;

/// <summary>Where the Redis store keeps its data (section <c>Queue:Redis</c>).</summary>
public sealed class RedisStoreOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Queue:Redis";

    /// <summary>A StackExchange.Redis configuration string (<c>localhost:6379,abortConnect=false</c>); null or empty means Redis is not configured (default null).</summary>
    public string? Configuration { get; set; }

    /// <summary>First part of every key (default <c>rq</c>), so environments can share one Redis: 1–64 of <c>[A-Za-z0-9._-]</c>.</summary>
    [Required, RegularExpression(NamePattern)]
    public string KeyPrefix { get; set; } = "rq";

    /// <summary>The namespace, which is also the Redis Cluster hash tag (default <c>default</c>): 1–64 of <c>[A-Za-z0-9._-]</c>.</summary>
    [Required, RegularExpression(NamePattern)]
    public string Namespace { get; set; } = "default";

    /// <summary>True when a Redis connection string is given.</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(Configuration);

    private const string NamePattern = "^[A-Za-z0-9._-]{1,64}$";

    /// <summary>Throws when <see cref="KeyPrefix"/> or <see cref="Namespace"/> breaks its rule.</summary>
    /// <exception cref="ArgumentException">Naming the option and the rule.</exception>
    public void EnsureValid()
    {
        foreach (var (name, value) in new[] { (nameof(KeyPrefix), KeyPrefix), (nameof(Namespace), Namespace) })
        {
            if (value is null || !System.Text.RegularExpressions.Regex.IsMatch(value, NamePattern))
                throw new ArgumentException($"{Section}:{name} '{value}' must be 1-64 characters of letters, digits, '.', '_' or '-'.", name);
        }
    }
}
