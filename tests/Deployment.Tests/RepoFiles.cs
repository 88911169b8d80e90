namespace Deployment.Tests;

/// <summary>Finds the real deployment files: the tests read what is committed, never a copy.</summary>
internal static class RepoFiles
{
    private static readonly Lazy<string> LazyRoot = new(FindRoot);

    public static string Root => LazyRoot.Value;

    public static string PathOf(string relative) => Path.Combine(Root, relative.Replace('/', Path.DirectorySeparatorChar));

    public static string Read(string relative)
    {
        var path = PathOf(relative);
        File.Exists(path).Should().BeTrue($"{relative} should exist under the repo root {Root}");
        return File.ReadAllText(path);
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "RedisQueue.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"No RedisQueue.sln above {AppContext.BaseDirectory}.");
    }
}
