using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using QueueService.Spool;
using QueueService.Tests.Workers;

namespace QueueService.Tests.Spool;

public sealed class TaskSpoolTests : IDisposable
{
    private readonly TaskSpool _spool = WorkerHarness.NewSpool();

    public void Dispose() => Directory.Delete(_spool.Root, recursive: true);

    [Fact]
    public void FolderOf_IsTheIdUnderTheRoot_WhenTheIdIsAPlainName()
    {
        _spool.FolderOf("0190c0de-7f00-7000-8000-000000000001").Should().Be(Path.Combine(_spool.Root, "0190c0de-7f00-7000-8000-000000000001"));
    }

    [Theory]
    [InlineData("")]
    [InlineData(".")]
    [InlineData("..")]
    [InlineData("../etc")]
    [InlineData("a/b")]
    [InlineData("a\0b")]
    public void FolderOf_IsNull_WhenTheIdCouldReachOutsideItsOwnFolder(string taskId)
    {
        _spool.FolderOf(taskId).Should().BeNull();
    }

    [Fact]
    public void Delete_RemovesTheFolderWithEverythingInIt_AndLeavesOtherTasksAlone()
    {
        var folder = WorkerHarness.WriteSpoolFile(_spool, "t1");
        Directory.CreateDirectory(Path.Combine(folder, "chunks"));
        File.WriteAllText(Path.Combine(folder, "chunks", "001.wav"), "x");
        var other = WorkerHarness.WriteSpoolFile(_spool, "t2");

        _spool.Delete("t1").Should().BeTrue();

        Directory.Exists(folder).Should().BeFalse();
        Directory.Exists(other).Should().BeTrue();
    }

    [Fact]
    public void Delete_ReturnsFalse_WhenTheTaskHasNoFiles()
    {
        _spool.Delete("never-spooled").Should().BeFalse();
        _spool.Delete("..").Should().BeFalse();
        Directory.Exists(_spool.Root).Should().BeTrue("deleting by a hostile id never touches the spool itself");
    }

    [Fact]
    public void Root_IsResolvedFromTheCurrentDirectory_WhenRelative()
    {
        var spool = new TaskSpool(Options.Create(new SpoolOptions { SpoolDirectory = "spool" }), NullLogger<TaskSpool>.Instance);

        spool.Root.Should().Be(Path.Combine(Directory.GetCurrentDirectory(), "spool"));
    }
}
