using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using QueueWorker.Handlers.Transcription.Audio;

namespace QueueHttpApi.Tests.Fuzz;

// POST /tasks/transcription as multipart/form-data: the multipart body is written by hand, so it can be broken anywhere.
internal sealed partial class RequestGenerator
{
    private const string AudioHead = "Content-Disposition: form-data; name=\"audio\"; filename=\"meeting.wav\"\r\nContent-Type: audio/wav";

    /// <summary>One part of a form: its header lines (without the blank line) and its body.</summary>
    private sealed record Part(string Head, byte[] Body);

    /// <summary>How a form is put together; the defaults make a well-formed one.</summary>
    private sealed record Layout(string Boundary)
    {
        public string? BodyBoundary { get; init; }
        public string NewLine { get; init; } = "\r\n";
        public bool Closed { get; init; } = true;
        public string Preamble { get; init; } = "";
        public string Epilogue { get; init; } = "";
        public bool BlankLineAfterHead { get; init; } = true;
    }

    /// <summary>A valid WAV file: the canonical 44-byte header (16 kHz mono 16-bit PCM) and <paramref name="silenceBytes"/> of silence.</summary>
    public static byte[] Wav(int silenceBytes)
    {
        using var stream = new MemoryStream();
        WavHeader.WriteCanonical(stream, silenceBytes);
        stream.Write(new byte[silenceBytes]);
        return stream.ToArray();
    }

    private static Part Field(string name, string value) => new($"Content-Disposition: form-data; name=\"{name}\"", Encoding.UTF8.GetBytes(value));

    private List<Part> UploadParts()
    {
        var parts = new List<Part>();
        if (Chance(2)) parts.Add(Field("priority", random.Next(0, 101).ToString(CultureInfo.InvariantCulture)));
        if (Chance(3)) parts.Add(Field("maxRetries", random.Next(0, 101).ToString(CultureInfo.InvariantCulture)));
        if (Chance(3)) parts.Add(Field("language", Pick(["en-us", "pt-BR", "auto"])));
        if (Chance(3)) parts.Add(Field("then", "risk-detection"));
        parts.Insert(random.Next(parts.Count + 1), new Part(AudioHead, Wav(random.Next(0, 4000) * 2)));
        return parts;
    }

    private string NewBoundary() => "----fuzz" + RandomText(random.Next(1, 40), "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789");

    private static byte[] Assemble(IEnumerable<Part> parts, Layout layout)
    {
        var nl = Encoding.ASCII.GetBytes(layout.NewLine);
        var boundary = Encoding.UTF8.GetBytes("--" + (layout.BodyBoundary ?? layout.Boundary));
        var bytes = new List<byte>(Encoding.UTF8.GetBytes(layout.Preamble));
        foreach (var part in parts)
        {
            bytes.AddRange(boundary);
            bytes.AddRange(nl);
            bytes.AddRange(Encoding.UTF8.GetBytes(part.Head.Replace("\r\n", layout.NewLine, StringComparison.Ordinal)));
            bytes.AddRange(nl);
            if (layout.BlankLineAfterHead) bytes.AddRange(nl);
            bytes.AddRange(part.Body);
            bytes.AddRange(nl);
        }
        if (layout.Closed)
        {
            bytes.AddRange(boundary);
            bytes.AddRange("--"u8.ToArray());
            bytes.AddRange(nl);
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(layout.Epilogue));
        return [.. bytes];
    }

    private FuzzRequest ValidUpload()
    {
        var boundary = NewBoundary();
        return new FuzzRequest
        {
            Family = "upload/valid", Method = "POST", Target = "/tasks/transcription",
            ContentType = Chance(4) ? $"multipart/form-data; boundary=\"{boundary}\"" : $"multipart/form-data; boundary={boundary}",
            Body = Assemble(UploadParts(), new Layout(boundary)), Chunked = Chance(6),
            Expected = Accepted, Creates = ("transcription", true),
        };
    }

    private FuzzRequest MutatedUpload()
    {
        var parts = UploadParts();
        var families = new List<string>();
        for (var i = random.Next(1, 4); i > 0; i--) families.Add(MutatePart(parts));
        var layout = new Layout(NewBoundary());
        var contentType = $"multipart/form-data; boundary={layout.Boundary}";
        byte[]? body = null;
        if (Chance(3))
        {
            switch (random.Next(10))
            {
                case 0: layout = layout with { BodyBoundary = NewBoundary() }; families.Add("boundary-mismatch"); break;
                case 1: layout = layout with { Closed = false }; families.Add("unclosed"); break;
                case 2: body = Assemble(parts, layout) is var whole ? whole[..random.Next(whole.Length)] : null; families.Add("truncated"); break;
                case 3: layout = layout with { Preamble = Pick(["garbage\r\n", "\r\n\r\n", "--x\r\n"]), Epilogue = Pick(["tail", "\r\n--more--\r\n"]) }; families.Add("preamble"); break;
                case 4: layout = layout with { NewLine = "\n" }; families.Add("lf-only"); break;
                case 5: layout = layout with { BlankLineAfterHead = false }; families.Add("no-blank-line"); break;
                case 6:
                    layout = new Layout(new string('b', Pick([70, 71, 200, 5000])));
                    contentType = $"multipart/form-data; boundary={layout.Boundary}";
                    families.Add("long-boundary");
                    break;
                case 7:
                    contentType = Pick(["multipart/form-data", "multipart/form-data; boundary=", "multipart/form-data; boundary=\"\"",
                        $"multipart/form-data; boundary={layout.Boundary}; boundary=other", "multipart/form-data; boundary=\"unterminated",
                        $"multipart/form-data; boundary=\"{layout.Boundary}\\\"\"", "multipart/form-data; boundary=a b"]);
                    families.Add("bad-boundary-param");
                    break;
                case 8:
                    contentType = Pick([$"multipart/mixed; boundary={layout.Boundary}", $"Multipart/Form-Data; BOUNDARY={layout.Boundary}",
                        $"multipart/form-data;boundary={layout.Boundary}", $"multipart/form-data; boundary={layout.Boundary}; charset=utf-16",
                        $"multipart/form-data; charset=latin1; boundary={layout.Boundary}", $"multipart/related; boundary={layout.Boundary}"]);
                    families.Add("content-type");
                    break;
                default:
                    body = Pick([Encoding.UTF8.GetBytes("{\"audioPath\":\"calls/ok.wav\"}"), [], "--\r\n"u8.ToArray(), Encoding.UTF8.GetBytes($"--{layout.Boundary}--\r\n")]);
                    families.Add("not-a-form");
                    break;
            }
        }
        return new FuzzRequest
        {
            Family = $"upload/{string.Join('+', families)}", Method = "POST", Target = "/tasks/transcription", ContentType = contentType,
            Body = body ?? Assemble(parts, layout), Chunked = Chance(6), Creates = ("transcription", true),
        };
    }

    private string MutatePart(List<Part> parts)
    {
        int AudioAt() => parts.FindIndex(p => p.Head.Contains("name=\"audio\"", StringComparison.Ordinal));
        switch (random.Next(12))
        {
            case 0:
                parts.RemoveAll(p => p.Head == AudioHead);
                return "no-audio";
            case 1:
                parts.Insert(random.Next(parts.Count + 1), new Part(AudioHead, Wav(100)));
                return "two-audio";
            case 2:
                var field = Field(Pick(["priority", "maxRetries", "language", "then"]), Pick(["5", "en-us", "risk-detection"]));
                parts.Insert(random.Next(parts.Count + 1), field);
                parts.Insert(random.Next(parts.Count + 1), field);
                return "repeated-field";
            case 3:
                parts.Insert(random.Next(parts.Count + 1), Field(Pick(["Audio", "file", "", "audio ", "prïority", new string('x', 200), "audio\u0000", "text"]), "value"));
                return "unknown-part";
            case 4:
                parts.Insert(random.Next(parts.Count + 1), new Part("Content-Disposition: form-data", "x"u8.ToArray()));
                return "nameless-part";
            case 5:
                parts.Insert(random.Next(parts.Count + 1), new Part(Pick(["Content-Type: text/plain", "", "X-Other: 1"]), "x"u8.ToArray()));
                return "no-disposition";
            case 6:
                if (AudioAt() is >= 0 and var at) parts[at] = parts[at] with { Head = "Content-Disposition: attachment; name=\"audio\"; filename=\"a.wav\"" };
                return "attachment";
            case 7:
                var name = Pick(["priority", "maxRetries", "language", "then"]);
                parts.RemoveAll(p => p.Head.Contains($"name=\"{name}\"", StringComparison.Ordinal));
                parts.Insert(random.Next(parts.Count + 1), Field(name, Pick(["high", "101", "-1", "1.5", "", " 5", "99999999999", "english", "Risk-Detection", "0x1", "٣", "5\r\n"])));
                return "bad-field";
            case 8:
                var longName = Pick(["priority", "language", "then"]);
                parts.RemoveAll(p => p.Head.Contains($"name=\"{longName}\"", StringComparison.Ordinal));
                parts.Insert(random.Next(parts.Count + 1), Chance(2)
                    ? Field(longName, new string('7', Pick([1024, 1025, 5000])))
                    : new Part($"Content-Disposition: form-data; name=\"{longName}\"", [0x65, 0x6E, 0xFF, 0xC3, 0x28]));
                return "long-or-invalid-field";
            case 9:
                if (AudioAt() is >= 0 and var audio) parts[audio] = parts[audio] with { Body = OddAudio() };
                return "odd-audio";
            case 10:
                parts.Insert(random.Next(parts.Count + 1),
                    new Part("Content-Disposition: form-data; name=\"language\"; filename=\"lang.txt\"\r\nContent-Type: application/octet-stream", "en-us"u8.ToArray()));
                return "field-as-file";
            default:
                var head = Pick([$"Content-Disposition: form-data; name=\"priority\"\r\nX-Huge: {new string('h', 20_000)}", "Content-Disposition form-data name=priority",
                    string.Join("\r\n", Enumerable.Range(0, 200).Select(i => $"X-{i}: y")) + "\r\nContent-Disposition: form-data; name=\"priority\"",
                    "Content-Disposition: form-data; name=priority", "Content-Disposition: form-data; name=\"priority\"; name=\"then\"",
                    "Content-Disposition: form-data; name*=UTF-8''priority"]);
                parts.RemoveAll(p => p.Head.Contains("name=\"priority\"", StringComparison.Ordinal));
                parts.Insert(random.Next(parts.Count + 1), new Part(head, "5"u8.ToArray()));
                return "odd-part-head";
        }
    }

    private byte[] OddAudio()
    {
        var wav = Wav(random.Next(1, 2000) * 2);
        switch (random.Next(9))
        {
            case 0: return wav[..random.Next(0, 44)];
            case 1: return [.. "ID3\u0003\0\0\0\0\0\0"u8.ToArray(), .. wav[10..]];
            case 2:
                var noise = new byte[random.Next(1, 5000)];
                random.NextBytes(noise);
                return noise;
            case 3: return [];
            case 4: return Wav(0);
            case 5:
                BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(16), Pick([0u, 15u, 0xFFFFFFFFu, 0x7FFFFFFFu])); // the fmt chunk's size
                return wav;
            case 6:
                BinaryPrimitives.WriteUInt32LittleEndian(wav.AsSpan(40), Pick([0u, 0xFFFFFFFFu, 1u])); // the data chunk's size
                return wav;
            case 7:
                "RIFX"u8.CopyTo(wav);
                return wav;
            default:
                return Chance(3) ? Wav(target.MaxUploadBytes) : wav[..(wav.Length / 2)];
        }
    }
}
