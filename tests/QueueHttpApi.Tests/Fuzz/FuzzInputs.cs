namespace QueueHttpApi.Tests.Fuzz;

/// <summary>The files in the API's input root that JSON <c>audioPath</c> submissions name, good and bad.</summary>
internal static class FuzzInputs
{
    /// <summary>
    /// Creates <c>calls/ok.wav</c> and <c>calls/é.wav</c> (valid), <c>calls/not-a.wav</c> (text), <c>calls/dir.wav/</c>
    /// (a folder), <c>calls/link-out.wav</c> (a link out of the root) and <c>calls/loop.wav</c> (a link loop).
    /// </summary>
    public static void Create(string inputRoot)
    {
        var calls = Directory.CreateDirectory(Path.Join(inputRoot, "calls")).FullName;
        File.WriteAllBytes(Path.Join(calls, "ok.wav"), RequestGenerator.Wav(3200));
        File.WriteAllBytes(Path.Join(calls, "é.wav"), RequestGenerator.Wav(320));
        File.WriteAllText(Path.Join(calls, "not-a.wav"), "this is not audio");
        Directory.CreateDirectory(Path.Join(calls, "dir.wav"));
        File.CreateSymbolicLink(Path.Join(calls, "link-out.wav"), Path.Join(Path.GetDirectoryName(Path.GetFullPath(inputRoot))!, "outside.wav"));
        File.WriteAllBytes(Path.Join(Path.GetDirectoryName(Path.GetFullPath(inputRoot))!, "outside.wav"), RequestGenerator.Wav(320));
        File.CreateSymbolicLink(Path.Join(calls, "loop.wav"), Path.Join(calls, "loop2.wav"));
        File.CreateSymbolicLink(Path.Join(calls, "loop2.wav"), Path.Join(calls, "loop.wav"));
    }
}
