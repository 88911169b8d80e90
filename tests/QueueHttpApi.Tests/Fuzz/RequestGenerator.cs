using System.Globalization;
using System.Text;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>
/// Makes the fuzz requests from one <see cref="Random"/>: valid requests to every endpoint (so tasks exist to act on),
/// and mutated ones (bodies, headers, multipart, ids, query strings, keys). Valid requests carry what the model says
/// they must get; mutated ones only have to be answered well. Split by endpoint: <c>.Json.cs</c> (the JSON
/// submissions), <c>.Multipart.cs</c> (the upload).
/// </summary>
internal sealed partial class RequestGenerator(Random random, FuzzModel model, FuzzTarget target)
{
    private static readonly IReadOnlySet<int> Ok = new HashSet<int> { 200 };
    private static readonly IReadOnlySet<int> Accepted = new HashSet<int> { 202 };
    private static readonly IReadOnlySet<int> NotFound = new HashSet<int> { 404 };
    private static readonly IReadOnlySet<int> Conflict = new HashSet<int> { 409 };

    /// <summary>The next request.</summary>
    public FuzzRequest Next()
    {
        var request = random.Next(100) switch
        {
            < 8 => ValidRisk(),
            < 12 => ValidUpload(),
            < 14 => ValidTranscriptionJson(),
            < 31 => MutatedRisk(),
            < 43 => MutatedUpload(),
            < 48 => MutatedTranscriptionJson(),
            < 56 => GetTask(),
            < 64 => ListTasks(),
            < 71 => CancelTask(),
            < 77 => RetryTask(),
            < 83 => Monitoring(),
            < 90 => Admin(),
            < 93 => SocketWithoutUpgrade(),
            _ => Stray(),
        };
        // One request in eight also gets odd headers, whatever it is: its answer is then no longer predicted.
        return random.Next(8) == 0 ? WithOddHeaders(request) : request;
    }

    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private bool Chance(int oneIn) => random.Next(oneIn) == 0;

    private string RandomText(int length, string alphabet = "abcdefghijklmnopqrstuvwxyz0123456789-_.")
    {
        var text = new StringBuilder(length);
        for (var i = 0; i < length; i++) text.Append(alphabet[random.Next(alphabet.Length)]);
        return text.ToString();
    }

    // ---- ids -------------------------------------------------------------------------------------------------

    /// <summary>A path segment for a task id: a real one (when any exist), a well-formed unknown one, or a hostile one.</summary>
    private (string Segment, string Family, FuzzModel.Tracked? Real, bool WellFormedUnknown) Id()
    {
        var roll = random.Next(20);
        if (roll < 8 && model.Pick(random) is { } real) return (real.Id, "real", real, false);
        return roll switch
        {
            8 or 9 => (Guid.CreateVersion7().ToString(), "unknown", null, true),
            10 => (new string('a', Pick([128, 129, 1000, 4000])), "long", null, false),
            11 => (Pick(["%00", "abc%00def", "%00%00", "a%0d%0aX-Injected:1"]), "nul", null, false),
            12 => (Pick(["..", "%2e%2e", "..%2f..%2fetc%2fpasswd", ".", "%2e", "..%5c..%5cwindows"]), "dots", null, false),
            13 => (Uri.EscapeDataString(Pick(["tâche-✓", "задача", "タスク", "🎉", "\u202Eevil", "a\u0301"])), "unicode", null, false),
            14 => (Uri.EscapeDataString(Pick(["' OR '1'='1", "1; DROP TABLE tasks;--", "\" OR \"\"=\""])), "sql", null, false),
            15 => (Uri.EscapeDataString(Pick(["redis.call('FLUSHALL')", "*", "{default}", "rq:{default}:t:x", "KEYS *", "]]--[["])), "lua", null, false),
            16 => (Pick(["%ZZ", "%", "%e2%28%a1", "%c0%af", "%ff%fe", "%ed%a0%80"]), "bad-percent", null, false),
            17 when model.Pick(random) is { } near => (Pick([near.Id.ToUpperInvariant(), near.Id + ".", near.Id + "x", near.Id[..^1]]), "near-real", null, true),
            18 => (RandomText(random.Next(1, 40)), "random", null, true),
            _ => ("", "empty", null, false),
        };
    }

    private FuzzRequest GetTask()
    {
        var (segment, family, real, unknown) = Id();
        return new FuzzRequest
        {
            Family = $"get/{family}", Method = "GET", Target = $"/tasks/{segment}",
            Expected = real is not null ? (real.Status is null ? NotFound : Ok) : unknown ? NotFound : null,
            ExpectedTaskStatus = real?.Status,
        };
    }

    private FuzzRequest CancelTask()
    {
        var (segment, family, real, unknown) = Id();
        return new FuzzRequest
        {
            Family = $"cancel/{family}", Method = "DELETE", Target = $"/tasks/{segment}",
            Expected = real is not null ? real.Status switch { "queued" => Ok, "cancelled" => Conflict, _ => NotFound } : unknown ? NotFound : null,
            ExpectedTaskStatus = real?.Status == "queued" ? "cancelled" : null,
        };
    }

    private FuzzRequest RetryTask()
    {
        var (segment, family, real, unknown) = Id();
        var withBody = Chance(4);
        return new FuzzRequest
        {
            Family = $"retry/{family}{(withBody ? "+body" : "")}", Method = "POST", Target = $"/tasks/{segment}/retry",
            ContentType = withBody ? "application/json" : null, Body = withBody ? "{\"force\":true}"u8.ToArray() : null,
            Expected = real is not null ? real.Status switch { "cancelled" => Ok, "queued" => Conflict, _ => NotFound } : unknown ? NotFound : null,
            ExpectedTaskStatus = real?.Status == "cancelled" ? "queued" : null,
        };
    }

    // ---- GET /tasks ------------------------------------------------------------------------------------------

    private static readonly string[] GoodStatuses = ["queued", "scheduled", "processing", "completed", "failed", "cancelled", "QUEUED", "Cancelled"];
    private static readonly string[] BadStatuses = ["", "done", "queued%20", "%00", "1", "queued,failed", "quéued", "%ff", "null", "*"];
    private static readonly string[] GoodTypes = ["transcription", "risk-detection"];
    private static readonly string[] BadTypes = ["", "Transcription", "risk_detection", "nope", "%00", "..%2f", "a%20b", "%F0%9F%8E%89", "*", "rq:{x}"];
    private static readonly string[] BadNumbers =
        ["0", "501", "-1", "abc", "1.5", "1e2", "99999999999999999999", "%205", "+5", "", "0x10", "%D9%A3", "NaN", "Infinity", "2147483648", "-2147483649", "1,5"];

    private FuzzRequest ListTasks()
    {
        var parts = new List<string>();
        var valid = true;
        void Add(string key, IReadOnlyList<string> good, IReadOnlyList<string> bad, int presentOneIn)
        {
            if (!Chance(presentOneIn)) return;
            var isBad = Chance(2);
            valid &= !isBad;
            parts.Add($"{key}={(isBad ? Pick(bad) : Pick(good))}");
            if (Chance(10))
            {
                valid = false; // a repeated key
                parts.Add($"{key}={Pick(good)}");
            }
        }
        Add("status", GoodStatuses, BadStatuses, 2);
        Add("type", GoodTypes, BadTypes, 2);
        Add("limit", ["1", "50", "500", random.Next(1, 501).ToString(CultureInfo.InvariantCulture)], BadNumbers, 3);
        Add("offset", ["0", random.Next(0, 1000).ToString(CultureInfo.InvariantCulture)], BadNumbers.Where(n => n is not "0").ToList(), 3);
        if (Chance(8))
        {
            parts.Add(Pick(["unknown=1", "=", "&", "status", "limit", "%zz=1", "a=%", "offset[]=1", "status[0]=queued"]));
            valid = false;
        }
        Shuffle(parts);
        var path = Pick(["/tasks", "/tasks", "/tasks/", "/tasks?"]);
        var query = parts.Count == 0 ? "" : (path.EndsWith('?') ? "" : "?") + string.Join('&', parts);
        return new FuzzRequest
        {
            Family = $"list{(valid ? "" : "/mutated")}", Method = "GET", Target = path + query,
            Expected = valid && path != "/tasks?" ? Ok : null,
        };
    }

    private void Shuffle<T>(List<T> items)
    {
        for (var i = items.Count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (items[i], items[j]) = (items[j], items[i]);
        }
    }

    // ---- monitoring, admin, sockets, strays ------------------------------------------------------------------

    private FuzzRequest Monitoring()
    {
        var path = Pick(["/stats", "/workers", "/health", "/metrics", "/openapi/v1.json"]);
        var method = Chance(4) ? Pick(["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"]) : "GET";
        var query = Chance(5) ? "?" + Pick(["x=1", "format=json", "%00", "verbose=%ff", "a=" + new string('b', 2000)]) : "";
        return new FuzzRequest
        {
            Family = $"monitoring/{method}", Method = method, Target = path + query,
            ContentType = method is "POST" or "PUT" or "PATCH" ? "application/json" : null,
            Body = method is "POST" or "PUT" or "PATCH" ? "{}"u8.ToArray() : null,
            Expected = method == "GET" ? Ok : null,
        };
    }

    private static readonly string[] GoodHours = ["1", "24", "1.5", "876000", "%20%202%20"];
    private static readonly string[] OddHours =
        ["", "-1", "NaN", "Infinity", "-Infinity", "1e3", "876001", "abc", "0x10", "%D9%A3", "1,5", "%00", "99999999999999999999999", "1.7976931348623157E+308"];

    private FuzzRequest Admin()
    {
        var (method, path) = Pick([("POST", "/admin/backup"), ("POST", "/admin/cleanup-stuck-tasks"), ("DELETE", "/admin/tasks"), ("GET", "/admin/backup")]);
        var (keyFamily, keys) = random.Next(8) switch
        {
            0 or 1 or 2 => ("key", new[] { target.AdminKey }),
            3 => ("no-key", Array.Empty<string>()),
            4 => ("empty-key", [""]),
            5 => ("near-key", [Pick([target.AdminKey.ToUpperInvariant(), target.AdminKey[..^1], target.AdminKey + "x", "Bearer " + target.AdminKey])]),
            6 when Chance(2) => ("two-keys", [target.AdminKey, RandomText(8)]),
            // Leading and trailing blanks are not part of a header value (RFC 9110 5.5): either answer is right.
            6 => ("padded-key", [Pick([target.AdminKey + " ", " " + target.AdminKey, target.AdminKey + "\t"])]),
            _ => ("random-key", [RandomText(random.Next(1, 300), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJ0123456789!#$%&'*+-.^_`|~")]),
        };
        var hoursValid = true;
        var query = "";
        if (path == "/admin/tasks")
        {
            // 0 (and tiny ages) purge cancelled tasks: allowed, and the fuzzer re-reads which ones went.
            var roll = random.Next(10);
            hoursValid = roll < 5;
            query = roll switch
            {
                < 4 => "?olderThanHours=" + Pick(GoodHours),
                4 => "?olderThanHours=" + Pick(["0", "0.0001", "0.00001"]),
                5 => "",
                6 => "?olderThanHours=1&olderThanHours=2",
                _ => "?olderThanHours=" + Pick(OddHours),
            };
        }
        var keyed = keyFamily == "key";
        var expected = method == "GET" || keyFamily == "padded-key" ? null
            : keyFamily is "no-key" or "empty-key" ? new HashSet<int> { 401 }
            : !keyed ? new HashSet<int> { 403 }
            : hoursValid ? Ok : new HashSet<int> { 400 };
        return new FuzzRequest
        {
            Family = $"admin/{keyFamily}", Method = method, Target = path + query,
            Headers = [.. keys.Select(k => ("X-Api-Key", k))],
            Expected = expected,
        };
    }

    private FuzzRequest SocketWithoutUpgrade()
    {
        var (segment, family, _, _) = Id();
        var path = Chance(2) ? "/ws/events" : $"/ws/tasks/{segment}";
        var method = Chance(5) ? "POST" : "GET";
        return new FuzzRequest
        {
            Family = $"socket-plain/{(path == "/ws/events" ? "events" : family)}", Method = method, Target = path,
            Expected = method == "GET" && (path == "/ws/events" || segment.Length > 0 && !segment.Contains('%') && !segment.Contains('.'))
                ? new HashSet<int> { 400 } : null,
        };
    }

    private FuzzRequest Stray()
    {
        var method = Pick(["GET", "GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "FOO", "PROPFIND", "M-SEARCH"]);
        var path = Pick(["/", "/tasks/transcription/extra", "/admin", "/admin/", "/TASKS", "/tasks//x", "/favicon.ico", "/openapi/v2.json",
            "/.env", "/tasks/risk-detection", "/tasks/transcription", "/stats/", "/ws", "/ws/tasks", "/tasks/x/retry/y",
            "/" + RandomText(random.Next(1, 60)), "/%2e%2e/%2e%2e/etc/passwd", "/tasks/%2F", "/admin/tasks/x"]);
        var withBody = method is "POST" or "PUT" or "PATCH" && Chance(2);
        return new FuzzRequest
        {
            Family = $"stray/{method}", Method = method, Target = path,
            ContentType = withBody ? "application/json" : null,
            Body = withBody ? Encoding.UTF8.GetBytes("{\"text\":\"stray\"}") : null,
            // A POST to a submission path is a submission after all (the risk one is even valid).
            Creates = method == "POST" && path is "/tasks/risk-detection" or "/tasks/transcription"
                ? (path == "/tasks/risk-detection" ? "risk-detection" : "transcription", false) : null,
        };
    }

    // ---- headers ---------------------------------------------------------------------------------------------

    private FuzzRequest WithOddHeaders(FuzzRequest request)
    {
        var (family, headers) = random.Next(12) switch
        {
            0 => ("api-key", new[] { ("X-Api-Key", RandomText(random.Next(1, 100))) }),
            1 => ("accept", [("Accept", Pick(["application/xml", "*/*;q=abc", "text/html", "application/problem+json;q=0", "", "a/b/c"]))]),
            2 => ("charset", [("Accept-Charset", "utf-16"), ("Accept-Language", "xx-YY;q=2")]),
            3 => ("content-encoding", [("Content-Encoding", Pick(["gzip", "br", "deflate", "identity", "bogus"]))]),
            4 => ("expect", [("Expect", "100-continue")]),
            5 => ("forwarded", [("X-Forwarded-For", "999.1.1.1, garbage"), ("X-Forwarded-Proto", "gopher"), ("X-Forwarded-Host", "evil.example")]),
            6 => ("cookie", [("Cookie", RandomText(4000, "abc=;, "))]),
            7 => ("conditional", [("If-None-Match", "*"), ("If-Modified-Since", "yesterday"), ("Range", "bytes=0-10")]),
            8 => ("huge", [("X-Huge", new string('h', Pick([9000, 40_000])))]),
            9 => ("many", [.. Enumerable.Range(0, Pick([50, 120])).Select(i => ($"X-Many-{i}", RandomText(20)))]),
            10 => ("connection-close", [("Connection", "close")]),
            _ => ("origin", [("Origin", "null"), ("Referer", "javascript:alert(1)"), ("User-Agent", RandomText(500))]),
        };
        return request with
        {
            Family = $"{request.Family}+headers:{family}",
            Headers = [.. request.Headers, .. headers],
            Expected = null,
            ExpectedTaskStatus = null,
        };
    }
}

/// <summary>What the generator knows of the API under test.</summary>
/// <param name="AdminKey">The admin key the API was given.</param>
/// <param name="InputRoot">The API's input root (JSON <c>audioPath</c> submissions), with <c>calls/ok.wav</c> and friends in it.</param>
/// <param name="MaxUploadBytes">The API's upload limit (<c>Queue:Api:MaxUploadBytes</c>).</param>
internal sealed record FuzzTarget(string AdminKey, string InputRoot, int MaxUploadBytes);
