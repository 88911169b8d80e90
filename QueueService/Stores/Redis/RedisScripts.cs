using StackExchange.Redis;

namespace QueueService.Stores.Redis;

/// <summary>
/// The embedded Lua scripts, read and prepared once per process. A missing script fails the first
/// store construction, naming the script, rather than the first call that needs it.
/// </summary>
/// <remarks>
/// How they are evaluated: fixed-shape scripts are <see cref="LuaScript"/>s evaluated with a typed
/// parameter object (<c>@name</c> becomes <c>ARGV[n]</c>, <see cref="RedisKey"/> members are declared
/// in <c>KEYS</c>). The two list-shaped scripts (<c>enqueue</c> of a batch, <c>lease</c> over several
/// queues) need a variable number of keys and arguments, which parameter objects cannot express
/// (<c>ScriptParameterMapper</c> maps scalar members only); they pass
/// <see cref="LuaScript.ExecutableScript"/> to <see cref="IDatabaseAsync.ScriptEvaluateAsync(string, RedisKey[], RedisValue[], CommandFlags)"/>.
/// That is the very call <see cref="LuaScript.EvaluateAsync"/> makes: the multiplexer sends SCRIPT LOAD
/// once per server, then EVALSHA, and on NOSCRIPT (SCRIPT FLUSH, a restarted Redis) forgets its
/// cache and re-issues. So every operation is one round trip in steady state, we keep no SHA1 of
/// our own, and an emptied script cache costs one reload, not an outage.
/// </remarks>
internal sealed class RedisScripts
{
    // A line "-- #include name" is replaced by the helpers of common.lua (name "common") or of includes/name.lua.
    private static readonly System.Text.RegularExpressions.Regex IncludeLine =
        new(@"^-- #include (?<name>[A-Za-z]+)\s*$", System.Text.RegularExpressions.RegexOptions.Multiline);

    private static readonly Lazy<RedisScripts> LazyShared = new(() => new RedisScripts());

    /// <summary>The one instance (scripts are the same for every store in the process).</summary>
    public static RedisScripts Shared => LazyShared.Value;

    private RedisScripts()
    {
        var includes = new Dictionary<string, string>(StringComparer.Ordinal);
        string Include(string name) =>
            includes.TryGetValue(name, out var text) ? text : includes[name] = ReadResource(name == "common" ? name : $"includes.{name}");
        LuaScript Load(string name)
        {
            var source = IncludeLine.Replace(ReadResource(name), match => Include(match.Groups["name"].Value));
            var script = LuaScript.Prepare(source);
            _names.Add(script, name);
            return script;
        }

        Enqueue = Load("enqueue");
        Lease = Load("lease");
        CompleteAndLease = Load("completeAndLease");
        Heartbeat = Load("heartbeat");
        Progress = Load("progress");
        Complete = Load("complete");
        Fail = Load("fail");
        Release = Load("release");
        ConfirmCancel = Load("confirmCancel");
        Cancel = Load("cancel");
        Retry = Load("retry");
        PromoteDue = Load("promoteDue");
        ReapExpired = Load("reapExpired");
        PurgeFinished = Load("purgeFinished");
        Get = Load("get");
        List = Load("list");
        Stats = Load("stats");
        CheckServer = Load("checkServer");
        RegisterWorker = Load("registerWorker");
        UnregisterWorker = Load("unregisterWorker");
        ListWorkers = Load("listWorkers");
        ListLeases = Load("listLeases");
        ExportMeta = Load("exportMeta");
        ExportPage = Load("exportPage");
        ImportTasks = Load("importTasks");
        ImportMeta = Load("importMeta");
        TryLock = Load("tryLock");
    }

    private readonly Dictionary<LuaScript, string> _names = new(ReferenceEqualityComparer.Instance);

    /// <summary>The file name of a script without <c>.lua</c> (<c>lease</c>), for logs.</summary>
    public string NameOf(LuaScript script) => _names.GetValueOrDefault(script, "?");

    public LuaScript Enqueue { get; }
    public LuaScript ExportMeta { get; }
    public LuaScript ExportPage { get; }
    public LuaScript ImportTasks { get; }
    public LuaScript ImportMeta { get; }
    public LuaScript TryLock { get; }
    public LuaScript Lease { get; }
    public LuaScript CompleteAndLease { get; }
    public LuaScript Heartbeat { get; }
    public LuaScript Progress { get; }
    public LuaScript Complete { get; }
    public LuaScript Fail { get; }
    public LuaScript Release { get; }
    public LuaScript ConfirmCancel { get; }
    public LuaScript Cancel { get; }
    public LuaScript Retry { get; }
    public LuaScript PromoteDue { get; }
    public LuaScript ReapExpired { get; }
    public LuaScript PurgeFinished { get; }
    public LuaScript Get { get; }
    public LuaScript List { get; }
    public LuaScript Stats { get; }
    public LuaScript CheckServer { get; }
    public LuaScript RegisterWorker { get; }
    public LuaScript UnregisterWorker { get; }
    public LuaScript ListWorkers { get; }
    public LuaScript ListLeases { get; }

    private static string ReadResource(string name)
    {
        var resource = $"QueueService.Scripts.{name}.lua";
        using var stream = typeof(RedisScripts).Assembly.GetManifestResourceStream(resource)
            ?? throw new InvalidOperationException(
                $"The Redis script '{name}.lua' is missing: expected the embedded resource '{resource}' " +
                $"(QueueService/Stores/Redis/Scripts/{name}.lua). Embedded: " +
                string.Join(", ", typeof(RedisScripts).Assembly.GetManifestResourceNames()));
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
