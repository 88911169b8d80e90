using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace QueueHttpApi.Tests.Fuzz;

// The JSON submissions: POST /tasks/risk-detection, and POST /tasks/transcription with an audioPath.
internal sealed partial class RequestGenerator
{
    private static readonly JsonSerializerOptions RawUtf8 = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static readonly string[] Sentences =
    [
        "Please wire the money today", "an ordinary meeting about the roadmap", "Überweisung bitte noch heute", "请今天汇款",
        "تحويل الأموال اليوم", "🙂 send the gift cards 🎁", "line one\nline two", "tab\there", "\"quoted\" and \\backslashed\\",
        "<script>alert(1)</script>", "' OR 1=1 --", "redis.call('FLUSHALL')", "a\u0000b",
    ];

    private static readonly string[] ValidJsonTypes = ["application/json", "application/json; charset=utf-8"];

    private static readonly string[] OddJsonTypes =
    [
        "application/json; charset=utf-16", "application/json; charset=latin1", "application/json; charset=\"bogus\"", "text/json",
        "text/plain", "application/problem+json", "application/vnd.api+json", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x", "application/json;;", "application/", "json", "*/*", "", "APPLICATION/JSON",
        "application/json; q=0.5", "application/json, text/plain", "application/json; charset=utf-8; charset=utf-16", "application/xml",
        "application/jsonx", "application/json\t", "image/wav",
    ];

    private static readonly string[] InvalidLiterals =
        ["NaN", "Infinity", "-Infinity", "nul", "True", "undefined", "'single'", "0x10", "01", "+1", ".5", "1.", "-", "1e", "--1", "1_000"];

    private static readonly string[] NumberEdges =
    [
        "-1", "101", "0", "100", "1.5", "1e2", "1E0", "2147483647", "2147483648", "-2147483648", "-2147483649", "1e400", "-1e400",
        "123456789012345678901234567890", "4.9e-324", "-0", "0.0", "100.0", "5.00000000000000000001",
    ];

    private static readonly string[] RawEscapes =
        ["\\ud800", "\\udc00", "\\udc00\\ud800", "\\ud83d\\ude00", "\\u0000", "\\x41", "\\u12", "\\/", "\\U0041", "\\", "\\u202e", "\\uFFFF", "\\uFEFF"];

    private static string Str(string text) => JsonSerializer.Serialize(text);

    private string StrAnyEscaping(string text) => Chance(2) ? Str(text) : JsonSerializer.Serialize(text, RawUtf8);

    private static string Object(IEnumerable<(string Key, string Value)> fields) =>
        "{" + string.Join(",", fields.Select(f => $"{f.Key}:{f.Value}")) + "}";

    private string RandomValue(int depth = 0) => random.Next(depth > 3 ? 4 : 10) switch
    {
        0 => StrAnyEscaping(Pick(Sentences)),
        1 => Pick(NumberEdges),
        2 => Pick(["true", "false", "null"]),
        3 => Pick(InvalidLiterals),
        4 => "[" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(_ => RandomValue(depth + 1))) + "]",
        5 => "{" + string.Join(",", Enumerable.Range(0, random.Next(4)).Select(i => $"{Str($"k{i}")}:{RandomValue(depth + 1)}")) + "}",
        6 => Nested(Pick([15, 17, 64, 3000])),
        7 => Str(new string('x', Pick([1025, 5000, 70_000]))),
        8 => "\"" + Pick(RawEscapes) + "\"",
        _ => "\"" + Pick(RawEscapes) + Pick(Sentences.Take(3).ToList()) + Pick(RawEscapes) + "\"",
    };

    private string Nested(int depth) => Chance(2)
        ? new string('[', depth) + new string(']', depth)
        : string.Concat(Enumerable.Repeat("{\"a\":", depth)) + "1" + new string('}', depth);

    private List<(string Key, string Value)> RiskFields()
    {
        var fields = new List<(string Key, string Value)> { ("\"text\"", StrAnyEscaping(Pick(Sentences))) };
        if (Chance(2)) fields.Add(("\"priority\"", random.Next(0, 101).ToString(CultureInfo.InvariantCulture)));
        if (Chance(3)) fields.Add(("\"maxRetries\"", random.Next(0, 101).ToString(CultureInfo.InvariantCulture)));
        if (Chance(3))
            fields.Add(("\"metadata\"", Object(Enumerable.Range(0, random.Next(0, 5)).Select(i => (Str($"key-{i}"), StrAnyEscaping(Pick(Sentences)))))));
        if (Chance(4)) Shuffle(fields);
        return fields;
    }

    private List<(string Key, string Value)> TranscriptionFields()
    {
        var path = Pick(["calls/ok.wav", "./calls/ok.wav", "calls/../calls/ok.wav", "calls//ok.wav", Path.Join(target.InputRoot, "calls", "ok.wav")]);
        var fields = new List<(string Key, string Value)> { ("\"audioPath\"", Str(path)) };
        if (Chance(2)) fields.Add(("\"priority\"", random.Next(0, 101).ToString(CultureInfo.InvariantCulture)));
        if (Chance(3)) fields.Add(("\"maxRetries\"", random.Next(0, 101).ToString(CultureInfo.InvariantCulture)));
        if (Chance(3)) fields.Add(("\"language\"", Str(Pick(["en-us", "pt-BR", "auto", "de"]))));
        if (Chance(3)) fields.Add(("\"then\"", Str("risk-detection")));
        if (Chance(4)) Shuffle(fields);
        return fields;
    }

    private FuzzRequest ValidRisk() => new()
    {
        Family = "risk/valid", Method = "POST", Target = "/tasks/risk-detection", ContentType = Pick(ValidJsonTypes),
        Body = Encoding.UTF8.GetBytes(Object(RiskFields())), Chunked = Chance(6),
        Expected = Accepted, Creates = ("risk-detection", false),
    };

    private FuzzRequest ValidTranscriptionJson() => new()
    {
        Family = "transcription-json/valid", Method = "POST", Target = "/tasks/transcription", ContentType = Pick(ValidJsonTypes),
        Body = Encoding.UTF8.GetBytes(Object(TranscriptionFields())), Chunked = Chance(6),
        Expected = Accepted, Creates = ("transcription", false),
    };

    private FuzzRequest MutatedRisk()
    {
        var fields = RiskFields();
        var families = new List<string>();
        for (var i = random.Next(1, 4); i > 0; i--) families.Add(MutateRiskField(fields));
        return MutatedJson("risk", "/tasks/risk-detection", fields, families, ("risk-detection", false));
    }

    private FuzzRequest MutatedTranscriptionJson()
    {
        var fields = TranscriptionFields();
        var families = new List<string>();
        for (var i = random.Next(1, 3); i > 0; i--) families.Add(MutateTranscriptionField(fields));
        return MutatedJson("transcription-json", "/tasks/transcription", fields, families, ("transcription", false));
    }

    private FuzzRequest MutatedJson(string name, string path, List<(string Key, string Value)> fields, List<string> families, (string, bool) creates)
    {
        var body = Encoding.UTF8.GetBytes(Object(fields));
        if (Chance(3))
        {
            (body, var family) = MutateBytes(body, families.Contains("huge"));
            families.Add(family);
        }
        var contentType = Pick(ValidJsonTypes);
        if (Chance(4))
        {
            contentType = Chance(8) ? null : Pick(OddJsonTypes);
            families.Add("content-type");
        }
        return new FuzzRequest
        {
            Family = $"{name}/{string.Join('+', families)}", Method = "POST", Target = path, ContentType = contentType,
            Body = body, Chunked = Chance(6), Creates = creates,
        };
    }

    private string MutateRiskField(List<(string Key, string Value)> fields)
    {
        switch (random.Next(14))
        {
            case 0: return MutateCommon(fields, 0);
            case 1: return MutateCommon(fields, 1);
            case 2: return MutateCommon(fields, 2);
            case 3:
                fields.RemoveAll(f => f.Key == "\"text\"");
                return "no-text";
            case 4:
                var source = random.Next(4) switch
                {
                    0 when model.Pick(random, t => t.Type == "transcription") is { } transcription => transcription.Id,
                    1 when model.Pick(random) is { } any => any.Id,
                    2 => Guid.CreateVersion7().ToString(),
                    _ => Pick(["", " ", "../x", new string('a', 200), "%00", "*"]),
                };
                if (Chance(2)) fields.RemoveAll(f => f.Key == "\"text\"");
                fields.Add(("\"transcriptionTaskId\"", Str(source)));
                return "source-id";
            case 5:
                fields.Add((Pick(["\"\\u0074ext\"", "\"t\\u0065xt\"", "\"\\u0070riority\""]), Str("escaped key")));
                return "escaped-key";
            case 6:
                fields.RemoveAll(f => f.Key == "\"metadata\"");
                fields.Add(("\"metadata\"", OddMetadata()));
                return "metadata";
            case 7:
                fields.RemoveAll(f => f.Key == "\"text\"");
                fields.Add(("\"text\"", Pick(["\"\"", "\"   \"", "\"\\t\\n\"", "\"\\ud800\"", "\"a\\udc00b\"", "\"\\u0000\"", "\"\\u202e\"",
                    Str("Z\u0351\u0352\u0353algo"), Str(new string('\u00e9', 3000))])));
                return "text-special";
            case 8:
                fields.Add((Pick(["\"priority\"", "\"maxRetries\""]), Pick(NumberEdges.Concat(["\"5\"", "null", "true", "[5]", "{}"]).ToList())));
                return "number-edge";
            case 9 when Chance(3):
                fields.RemoveAll(f => f.Key == "\"text\"");
                // Just over the 1 MiB payload limit (413 naming text), or over the 2 MiB body limit (413 naming body).
                fields.Add(("\"text\"", Str(new string('a', Pick([1024 * 1024 + 1, 2 * 1024 * 1024 + 10])))));
                return "huge";
            case 10: return MutateCommon(fields, 3);
            case 11:
                Shuffle(fields);
                return "shuffle";
            case 12:
                fields.Add(("text", Str("unquoted key")));
                return "unquoted-key";
            default:
                fields.Add(("\"metadata\"", Nested(Pick([10, 20]))));
                return "nested-metadata";
        }
    }

    private string MutateTranscriptionField(List<(string Key, string Value)> fields)
    {
        switch (random.Next(8))
        {
            case 0: return MutateCommon(fields, 0);
            case 1: return MutateCommon(fields, 1);
            case 2: return MutateCommon(fields, 2);
            case 3: return MutateCommon(fields, 3);
            case 4:
                fields.RemoveAll(f => f.Key == "\"audioPath\"");
                fields.Add(("\"audioPath\"", Str(Pick(["../x.wav", "/etc/passwd", "/etc/hostname", "calls/missing.wav", "calls", "calls/", "calls/not-a.wav",
                    "calls/link-out.wav", "calls/loop.wav", "calls/dir.wav", "", "   ", "calls/ok.wav\u0000.txt", new string('a', 5000),
                    "calls/" + new string('b', 300) + ".wav", "calls/é.wav", "C:\\windows\\win.ini", "~/x.wav", "file:///etc/passwd",
                    "calls/ok.wav/", "calls/ok.wav/..", Path.Join(target.InputRoot, "..", "escape.wav"), "\\\\server\\share\\x.wav"]))));
                return "audio-path";
            case 5:
                fields.RemoveAll(f => f.Key == "\"language\"");
                fields.Add(("\"language\"", StrAnyEscaping(Pick(["english", "", "en_US", "en-us-extra-extra-extra-extra", new string('e', 2000), "e", "../../x", "en-ü"]))));
                return "language";
            case 6:
                fields.RemoveAll(f => f.Key == "\"then\"");
                fields.Add(("\"then\"", Pick(["\"Risk-Detection\"", "\"transcription\"", "5", "[\"risk-detection\"]", "\"risk-detection \"", "\"\""])));
                return "then";
            default:
                fields.RemoveAll(f => f.Key == "\"audioPath\"");
                return "no-audio-path";
        }
    }

    // Mutations both submissions share: a value of a random type, an unknown key, a repeated key, a null.
    private string MutateCommon(List<(string Key, string Value)> fields, int which)
    {
        switch (which)
        {
            case 0 when fields.Count > 0:
                var at = random.Next(fields.Count);
                fields[at] = (fields[at].Key, RandomValue());
                return "value";
            case 1:
                fields.Insert(random.Next(fields.Count + 1),
                    (Str(Pick(["Text", "TEXT", "txt", "", "__proto__", "constructor", "text ", "tëxt", "priority\u0000", "AudioPath", new string('k', 500)])), RandomValue()));
                return "unknown-key";
            case 2 when fields.Count > 0:
                var copy = fields[random.Next(fields.Count)];
                fields.Insert(random.Next(fields.Count + 1), Chance(2) ? copy : (copy.Key, RandomValue()));
                return "duplicate-key";
            default:
                if (fields.Count == 0) return "empty";
                var nulled = random.Next(fields.Count);
                fields[nulled] = (fields[nulled].Key, "null");
                return "null";
        }
    }

    private string OddMetadata() => random.Next(8) switch
    {
        0 => Object(Enumerable.Range(0, 33).Select(i => (Str($"k{i}"), Str("v")))),
        1 => Object([(Str(""), Str("empty key"))]),
        2 => Object([(Str(new string('k', 65)), Str("long key"))]),
        3 => Object([(Str("k"), Str(new string('v', 1025)))]),
        4 => Object([(Str("k"), RandomValue())]),
        5 => Object([(Str("k"), Str("a")), (Str("k"), Str("b"))]),
        6 => Pick(["[]", "\"labels\"", "5", "true", "[{\"k\":\"v\"}]"]),
        _ => Object([(Str("🎉"), Str("\u202eevil")), (Str("\u0000"), Str("nul"))]),
    };

    // Byte-level damage to a serialized body.
    private (byte[] Body, string Family) MutateBytes(byte[] body, bool huge)
    {
        var roll = huge ? random.Next(2) : random.Next(10);
        switch (roll)
        {
            case 0:
                return (body[..random.Next(body.Length)], "truncated");
            case 1:
                return (Encoding.UTF8.GetBytes(Pick(["[", "{\"x\":"]) + Encoding.UTF8.GetString(body) + Pick(["]", "}"])), "wrapped");
            case 2:
                return (Encoding.UTF8.GetBytes(Pick(["42", "\"text\"", "null", "true", "[]", "[{\"text\":\"a\"}]", "{}", "{}{}", "0"])), "not-an-object");
            case 3:
                var framed = Pick(["\uFEFF", "\uFEFF\uFEFF", " \r\n", "/* c */", ""]) + Encoding.UTF8.GetString(body) + Pick(["", "}", " trailing", ",", "\u0000", "//c"]);
                return (Encoding.UTF8.GetBytes(framed), "framed");
            case 4:
                var at = Math.Max(0, Array.IndexOf(body, (byte)'"', 1) + 1);
                var bad = Pick<byte[]>([[0xFF], [0xC3, 0x28], [0xED, 0xA0, 0x80], [0xC0, 0xAF], [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82]]);
                return ([.. body[..at], .. bad, .. body[at..]], "invalid-utf8");
            case 5:
                var flipped = (byte[])body.Clone();
                for (var i = random.Next(1, 4); i > 0; i--) flipped[random.Next(flipped.Length)] = (byte)random.Next(256);
                return (flipped, "flipped");
            case 6:
                return (Encoding.UTF8.GetBytes(Pick(["", " ", "\r\n", "\t"])), "empty");
            case 7:
                return (Encoding.UTF8.GetBytes(Nested(Pick([16, 17, 5000]))), "deep");
            case 8:
                return (Encoding.Unicode.GetBytes(Encoding.UTF8.GetString(body)), "utf16");
            default:
                return ([.. body[..(body.Length / 2)], 0, .. body[(body.Length / 2)..]], "nul-byte");
        }
    }
}
