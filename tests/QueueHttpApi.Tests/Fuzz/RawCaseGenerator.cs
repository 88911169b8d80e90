using System.Text;

namespace QueueHttpApi.Tests.Fuzz;

/// <summary>How a hand-written request is judged.</summary>
internal enum RawKind
{
    /// <summary>Valid HTTP: every request in it must be answered, and answered well.</summary>
    WellFormed,
    /// <summary>Broken HTTP (or cut short on purpose): Kestrel may refuse it (a 4xx without a body, a 505 for an
    /// unknown version) or close the connection; whatever answer comes must still be well formed and never an API 5xx.</summary>
    Malformed,
    /// <summary>The client sends part of an upload and goes away: nothing to read; the final check finds no leftovers.</summary>
    Abandoned,
}

/// <summary>One connection's worth of hand-written bytes.</summary>
internal sealed record RawCase
{
    /// <summary>What it is, such as <c>chunked/bad-size</c>.</summary>
    public required string Family { get; init; }
    /// <summary>The bytes written.</summary>
    public required byte[] Bytes { get; init; }
    /// <summary>How it is judged.</summary>
    public RawKind Kind { get; init; } = RawKind.WellFormed;
    /// <summary>True to half-close after writing (the request is incomplete on purpose).</summary>
    public bool HalfClose { get; init; }
    /// <summary>The generated requests these bytes carry, in order, each judged against its answer; empty for a hand-built one.</summary>
    public IReadOnlyList<FuzzRequest> Sources { get; init; } = [];
    /// <summary>True when the request line names an HTTP version other than 1.0 and 1.1 (Kestrel's 505 is then right).</summary>
    public bool BadVersion { get; init; }
    /// <summary>Bytes to send after a <c>101</c> (WebSocket frames, good or bad); null for none.</summary>
    public byte[]? AfterUpgrade { get; init; }

    /// <summary>A description for a failure message.</summary>
    public string Describe() =>
        $"{Family} ({Kind}{(HalfClose ? ", half-closed" : "")}), {Bytes.Length} bytes: {FuzzRequest.Printable(Bytes.AsSpan(0, Math.Min(Bytes.Length, 700)))}";
}

/// <summary>
/// Makes the requests HttpClient cannot send: malformed HTTP (bad chunking, bad lengths, truncated bodies, huge or
/// invalid headers, unknown methods and versions, garbage), exact request targets, pipelines, and WebSocket upgrades.
/// </summary>
internal sealed class RawCaseGenerator(Random random, FuzzModel model, RequestGenerator requests, string host)
{
    private T Pick<T>(IReadOnlyList<T> items) => items[random.Next(items.Count)];

    private static byte[] Ascii(string text) => Encoding.UTF8.GetBytes(text);

    private string Head(string method, string target, string extraHeaders = "", string version = "HTTP/1.1") =>
        $"{method} {target} {version}\r\nHost: {host}\r\n{extraHeaders}";

    private static readonly byte[] RiskJson = Ascii("{\"text\":\"hand written\",\"priority\":3}");

    /// <summary>The next case.</summary>
    public RawCase Next() => random.Next(100) switch
    {
        < 25 => Resend(),
        < 33 => ExactTarget(),
        < 43 => BadChunking(),
        < 52 => BadContentLength(),
        < 60 => Truncated(),
        < 64 => Abandoned(),
        < 69 => HugeHeaders(),
        < 75 => BadHeaderBytes(),
        < 80 => Methods(),
        < 84 => Versions(),
        < 88 => Garbage(),
        < 93 => Pipelined(),
        _ => Upgrade(),
    };

    // A generated request written by hand: what HttpClient would send, but with exactly the target given.
    private RawCase Resend()
    {
        var request = requests.Next();
        return new RawCase { Family = "resend/" + request.Family, Bytes = RawHttp.Compose(request, host), Sources = [request] };
    }

    private RawCase ExactTarget()
    {
        var (method, prefix) = Pick([("GET", "/tasks/"), ("DELETE", "/tasks/"), ("GET", "/ws/tasks/"), ("GET", "/")]);
        var (family, segment, wellFormed) = random.Next(12) switch
        {
            0 => ("utf8", Encoding.UTF8.GetBytes("tâche-✓"), false),
            1 => ("invalid-utf8", new byte[] { 0xFF, 0xFE }, false),
            2 => ("invalid-utf8-percent", Ascii("%C3%28%ff"), true),
            3 => ("dot-dot", Ascii(Pick(["../stats", "../../../etc/passwd", "..", "./x", "%2e%2e/%2e%2e/stats", "..;/stats"])), true),
            4 => ("nul", Ascii(Pick(["%00", "a%00b", "%00/retry"])), true),
            5 => ("space", Ascii("a b"), false),
            6 => ("tab", Ascii("a\tb"), false),
            7 => ("backslash", Ascii("..\\..\\stats"), true),
            8 => ("fragment", Ascii("x#frag"), false),
            9 => ("query-only", Ascii("?%zz=%&&==&status=queued"), true),
            10 => ("control", new byte[] { 0x61, 0x01, 0x7F, 0x62 }, false),
            _ => ("long", Ascii(new string('a', Pick([4000, 9000, 20_000]))), true),
        };
        var bytes = (byte[])[.. Ascii($"{method} {prefix}"), .. segment, .. Ascii($" HTTP/1.1\r\nHost: {host}\r\n\r\n")];
        return new RawCase { Family = "target/" + family, Bytes = bytes, Kind = wellFormed ? RawKind.WellFormed : RawKind.Malformed };
    }

    private RawCase BadChunking()
    {
        var head = Head("POST", "/tasks/risk-detection", "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n") + "\r\n";
        var body = Encoding.UTF8.GetString(RiskJson);
        var (family, chunks, kind, halfClose) = random.Next(13) switch
        {
            0 => ("split", $"5\r\n{body[..5]}\r\n{body.Length - 5:x}\r\n{body[5..]}\r\n0\r\n\r\n", RawKind.WellFormed, false),
            1 => ("extension", $"{body.Length:x};name=value\r\n{body}\r\n0\r\n\r\n", RawKind.WellFormed, false),
            2 => ("trailer", $"{body.Length:x}\r\n{body}\r\n0\r\nX-Trailer: yes\r\n\r\n", RawKind.WellFormed, false),
            3 => ("bad-hex", $"zz\r\n{body}\r\n0\r\n\r\n", RawKind.Malformed, false),
            4 => ("size-too-big", $"{body.Length + 50:x}\r\n{body}\r\n0\r\n\r\n", RawKind.Malformed, true),
            5 => ("overflow", $"ffffffffffffffffff\r\n{body}\r\n0\r\n\r\n", RawKind.Malformed, false),
            6 => ("negative", $"-5\r\n{body}\r\n0\r\n\r\n", RawKind.Malformed, false),
            7 => ("no-last-chunk", $"{body.Length:x}\r\n{body}\r\n", RawKind.Malformed, true),
            8 => ("no-crlf-after-data", $"{body.Length:x}\r\n{body}XX0\r\n\r\n", RawKind.Malformed, false),
            9 => ("long-extension", $"{body.Length:x};{new string('e', 20_000)}\r\n{body}\r\n0\r\n\r\n", RawKind.Malformed, false),
            10 => ("lf-only", $"{body.Length:x}\n{body}\n0\n\n", RawKind.Malformed, true),
            11 => ("size-too-small", $"3\r\n{body}\r\n0\r\n\r\n", RawKind.Malformed, false),
            _ => ("empty", "0\r\n\r\n", RawKind.WellFormed, false),
        };
        var coding = random.Next(6) switch
        {
            0 => "chunked, chunked",
            1 => "gzip, chunked",
            2 => "gzip",
            3 => "identity",
            _ => "chunked",
        };
        if (coding != "chunked")
        {
            head = head.Replace("Transfer-Encoding: chunked", $"Transfer-Encoding: {coding}", StringComparison.Ordinal);
            family += "+coding:" + coding;
            kind = RawKind.Malformed;
        }
        return new RawCase { Family = "chunked/" + family, Bytes = Ascii(head + chunks), Kind = kind, HalfClose = halfClose };
    }

    private RawCase BadContentLength()
    {
        var body = Encoding.UTF8.GetString(RiskJson);
        var (family, lengthHeaders, halfClose) = random.Next(10) switch
        {
            0 => ("letters", "Content-Length: abc\r\n", false),
            1 => ("negative", "Content-Length: -1\r\n", false),
            2 => ("fraction", "Content-Length: 1.5\r\n", false),
            3 => ("empty", "Content-Length: \r\n", false),
            4 => ("two-different", $"Content-Length: {body.Length}\r\nContent-Length: {body.Length + 1}\r\n", false),
            5 => ("list", $"Content-Length: {body.Length}, {body.Length}\r\n", false),
            6 => ("huge", "Content-Length: 99999999999999999999\r\n", false),
            7 => ("longer-than-body", $"Content-Length: {body.Length + 40}\r\n", true),
            8 => ("with-chunked", $"Content-Length: 5\r\nTransfer-Encoding: chunked\r\n", false),
            _ => ("shorter-than-body", $"Content-Length: {body.Length - 6}\r\n", false),
        };
        var payload = family == "with-chunked" ? $"{body.Length:x}\r\n{body}\r\n0\r\n\r\n" : body;
        return new RawCase
        {
            Family = "content-length/" + family,
            Bytes = Ascii(Head("POST", "/tasks/risk-detection", "Content-Type: application/json\r\n" + lengthHeaders) + "\r\n" + payload),
            Kind = RawKind.Malformed, HalfClose = halfClose,
        };
    }

    // A request whose body stops short of its Content-Length, then the client half-closes: the API must not wait forever.
    private RawCase Truncated()
    {
        var request = random.Next(3) switch
        {
            0 => new FuzzRequest { Family = "risk", Method = "POST", Target = "/tasks/risk-detection", ContentType = "application/json", Body = RiskJson },
            _ => new FuzzRequest
            {
                Family = "upload", Method = "POST", Target = "/tasks/transcription", ContentType = "multipart/form-data; boundary=cut",
                Body = Ascii("--cut\r\nContent-Disposition: form-data; name=\"priority\"\r\n\r\n4\r\n--cut\r\n"
                    + "Content-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\n")
                    .Concat(RequestGenerator.Wav(20_000)).Concat(Ascii("\r\n--cut--\r\n")).ToArray(),
            },
        };
        var bytes = RawHttp.Compose(request with { Chunked = random.Next(3) == 0 }, host);
        var headLength = bytes.AsSpan().IndexOf("\r\n\r\n"u8) + 4;
        return new RawCase
        {
            Family = "truncated/" + request.Family, Bytes = bytes[..random.Next(headLength, bytes.Length)], Kind = RawKind.Malformed, HalfClose = true,
        };
    }

    private RawCase Abandoned()
    {
        var request = new FuzzRequest
        {
            Family = "upload", Method = "POST", Target = "/tasks/transcription", ContentType = "multipart/form-data; boundary=gone",
            Body = Ascii("--gone\r\nContent-Disposition: form-data; name=\"audio\"; filename=\"a.wav\"\r\n\r\n")
                .Concat(RequestGenerator.Wav(200_000)).Concat(Ascii("\r\n--gone--\r\n")).ToArray(),
        };
        var bytes = RawHttp.Compose(request, host);
        return new RawCase { Family = "abandoned/upload", Bytes = bytes[..random.Next(bytes.Length / 4, bytes.Length - 20)], Kind = RawKind.Abandoned };
    }

    private RawCase HugeHeaders()
    {
        var (family, headers, target) = random.Next(6) switch
        {
            0 => ("one-huge-value", $"X-Huge: {new string('v', 40_000)}\r\n", "/stats"),
            1 => ("huge-name", $"{new string('N', 10_000)}: v\r\n", "/stats"),
            2 => ("too-many", string.Concat(Enumerable.Range(0, Pick([101, 1000])).Select(i => $"X-H{i}: v\r\n")), "/stats"),
            3 => ("long-target", "", "/tasks/" + new string('t', Pick([9000, 70_000]))),
            4 => ("long-query", "", "/tasks?status=" + new string('q', 9000)),
            _ => ("huge-key", $"X-Api-Key: {new string('k', 33_000)}\r\n", "/admin/backup"),
        };
        var method = family == "huge-key" ? "POST" : "GET";
        return new RawCase { Family = "huge/" + family, Bytes = Ascii(Head(method, target, headers) + "\r\n"), Kind = RawKind.Malformed };
    }

    private RawCase BadHeaderBytes()
    {
        var (family, header) = random.Next(11) switch
        {
            0 => ("value-0xff", (byte[])[.. Ascii("X-Api-Key: k"), 0xFF, 0xFE]),
            1 => ("value-nul", [.. Ascii("X-Thing: a"), 0x00, .. Ascii("b")]),
            2 => ("value-lone-cr", Ascii("X-Thing: a\rb")),
            3 => ("value-del", [.. Ascii("X-Thing: a"), 0x7F]),
            4 => ("name-space", Ascii("X Thing: a")),
            5 => ("space-before-colon", Ascii("X-Thing : a")),
            6 => ("obs-fold", Ascii("X-Thing: a\r\n folded")),
            7 => ("no-colon", Ascii("X-Thing")),
            8 => ("empty-name", Ascii(": a")),
            9 => ("name-utf8", Encoding.UTF8.GetBytes("X-Thîng: a")),
            _ => ("value-utf8", Encoding.UTF8.GetBytes("X-Api-Key: clé-✓")),
        };
        var target = Pick(["/stats", "/tasks", "/admin/cleanup-stuck-tasks"]);
        var method = target.StartsWith("/admin", StringComparison.Ordinal) ? "POST" : "GET";
        // Content-Length: 0 so a POST that gets past the header is complete.
        var bytes = (byte[])[.. Ascii(Head(method, target, "Content-Length: 0\r\n")), .. header, .. "\r\n\r\n"u8];
        return new RawCase { Family = "header-bytes/" + family, Bytes = bytes, Kind = RawKind.Malformed };
    }

    private RawCase Methods()
    {
        var (family, line, kind) = random.Next(11) switch
        {
            0 => ("unknown", "FOO /stats HTTP/1.1", RawKind.WellFormed),
            1 => ("lower-case", "get /stats HTTP/1.1", RawKind.WellFormed),
            2 => ("webdav", "PROPFIND /tasks HTTP/1.1", RawKind.WellFormed),
            3 => ("invalid-token", "G@T /stats HTTP/1.1", RawKind.Malformed),
            4 => ("long", new string('M', 300) + " /stats HTTP/1.1", RawKind.Malformed),
            5 => ("connect", $"CONNECT {host} HTTP/1.1", RawKind.Malformed),
            6 => ("options-star", "OPTIONS * HTTP/1.1", RawKind.Malformed),
            7 => ("trace", "TRACE /stats HTTP/1.1", RawKind.WellFormed),
            8 => ("empty", " /stats HTTP/1.1", RawKind.Malformed),
            9 => ("double-space", "GET  /stats HTTP/1.1", RawKind.Malformed),
            _ => ("method-only", "DELETE", RawKind.Malformed),
        };
        return new RawCase { Family = "method/" + family, Bytes = Ascii($"{line}\r\nHost: {host}\r\n\r\n"), Kind = kind };
    }

    private RawCase Versions()
    {
        var (family, version, kind, bad) = random.Next(9) switch
        {
            0 => ("1.0", "HTTP/1.0", RawKind.WellFormed, false),
            1 => ("2.0", "HTTP/2.0", RawKind.Malformed, true),
            2 => ("9.9", "HTTP/9.9", RawKind.Malformed, true),
            3 => ("suffix", "HTTP/1.1x", RawKind.Malformed, true),
            4 => ("short", "HTTP/1", RawKind.Malformed, true),
            5 => ("none", "", RawKind.Malformed, true),
            6 => ("lower-case", "http/1.1", RawKind.Malformed, true),
            7 => ("leading-zero", "HTTP/01.1", RawKind.Malformed, true),
            _ => ("extra", "HTTP/1.1 extra", RawKind.Malformed, true),
        };
        var target = Pick(["/stats", "/health", "/tasks?limit=1"]);
        var line = version.Length == 0 ? $"GET {target}" : $"GET {target} {version}";
        var hostHeader = family == "1.0" && random.Next(2) == 0 ? "" : $"Host: {host}\r\n";
        return new RawCase { Family = "version/" + family, Bytes = Ascii($"{line}\r\n{hostHeader}\r\n"), Kind = kind, BadVersion = bad, HalfClose = family == "none" };
    }

    private RawCase Garbage()
    {
        var (family, bytes, halfClose) = random.Next(9) switch
        {
            0 => ("random", RandomBytes(random.Next(1, 3000)), true),
            1 => ("tls-hello", new byte[] { 0x16, 0x03, 0x01, 0x00, 0xA5, 0x01, 0x00, 0x00, 0xA1, 0x03, 0x03 }.Concat(RandomBytes(160)).ToArray(), true),
            2 => ("h2-preface", Ascii("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"), false),
            3 => ("blank-lines", Ascii("\r\n\r\n\r\n"), true),
            4 => ("nul", new byte[64], true),
            5 => ("endless-line", Ascii("GET /" + new string('a', 10_000)), true),
            6 => ("ssh", Ascii("SSH-2.0-OpenSSH_9.6\r\n"), true),
            7 => ("no-host", Ascii("GET /stats HTTP/1.1\r\n\r\n"), false),
            _ => ("two-hosts", Ascii($"GET /stats HTTP/1.1\r\nHost: {host}\r\nHost: other.example\r\n\r\n"), false),
        };
        return new RawCase { Family = "garbage/" + family, Bytes = bytes, Kind = RawKind.Malformed, HalfClose = halfClose };
    }

    private byte[] RandomBytes(int count)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }

    // Several requests on one connection, written at once: each must be answered, in order.
    private RawCase Pipelined()
    {
        var sources = Enumerable.Range(0, random.Next(2, 6)).Select(_ => random.Next(3) switch
        {
            0 => new FuzzRequest { Family = "stats", Method = "GET", Target = "/stats", Expected = new HashSet<int> { 200 } },
            1 => requests.Next(),
            _ => new FuzzRequest { Family = "list", Method = "GET", Target = "/tasks?limit=2", Expected = new HashSet<int> { 200 } },
        }).Where(r => r.Method != "HEAD").ToList();
        if (sources.Count == 0) sources.Add(new FuzzRequest { Family = "stats", Method = "GET", Target = "/stats", Expected = new HashSet<int> { 200 } });
        var bytes = sources.SelectMany(r => RawHttp.Compose(r, host)).ToArray();
        return new RawCase { Family = $"pipelined/{sources.Count}", Bytes = bytes, Sources = sources };
    }

    private RawCase Upgrade()
    {
        var real = model.Pick(random);
        var (path, expected) = random.Next(4) switch
        {
            0 or 1 => ("/ws/events", 101),
            2 when real is not null => ($"/ws/tasks/{real.Id}", real.Status is null ? 404 : 101),
            _ => ($"/ws/tasks/{Guid.CreateVersion7()}", 404),
        };
        var key = Convert.ToBase64String(RandomBytes(16));
        var headers = new List<(string Name, string Value)>
        {
            ("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Key", key), ("Sec-WebSocket-Version", "13"),
        };
        var family = "valid";
        var method = "GET";
        switch (random.Next(9))
        {
            case 0: headers[3] = ("Sec-WebSocket-Version", Pick(["12", "abc", ""])); family = "bad-version"; break;
            case 1: headers.RemoveAt(2); family = "no-key"; break;
            case 2: headers[2] = ("Sec-WebSocket-Key", Pick(["not base64!", "", "AAAA"])); family = "bad-key"; break;
            case 3: headers[0] = ("Upgrade", Pick(["h2c", "WebSocket, h2c", "websockets"])); family = "other-upgrade"; break;
            case 4: headers[1] = ("Connection", "keep-alive"); family = "no-connection-upgrade"; break;
            case 5: method = "POST"; family = "post"; break;
        }
        var after = family == "valid" ? random.Next(4) switch
        {
            0 => RandomBytes(random.Next(1, 200)),
            1 => new byte[] { 0x88, 0x82, 1, 2, 3, 4, 0x02, 0xEA }, // a masked close frame, code 1000
            2 => new byte[] { 0x81, 0x05, 0x68, 0x65, 0x6C, 0x6C, 0x6F }, // an unmasked text frame: a protocol error from a client
            _ => null,
        } : null;
        var request = new FuzzRequest
        {
            Family = $"upgrade/{family}", Method = method, Target = path, Headers = headers,
            Expected = family == "valid" ? new HashSet<int> { expected } : null,
        };
        return new RawCase { Family = request.Family, Bytes = RawHttp.Compose(request, host), Sources = [request], AfterUpgrade = after };
    }
}
