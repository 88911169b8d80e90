using Microsoft.Extensions.Configuration;
using QueueWorker.Metrics;

namespace QueueWorker.Tests.Metrics;

public sealed class WorkerMetricsOptionsTests
{
    [Fact]
    public void ToConfiguration_MapsMetricsPort_WhenGiven()
    {
        var parsed = WorkerCommandLine.Create((_, _) => Task.FromResult(0)).Parse(["--metrics-port", "9187"]);

        parsed.Errors.Should().BeEmpty();
        WorkerCommandLine.ToConfiguration(parsed).Should().BeEquivalentTo(new Dictionary<string, string?> { ["Queue:Worker:MetricsPort"] = "9187" });
    }

    [Fact]
    public void Parse_ReportsAnError_WhenMetricsPortIsNotANumber()
    {
        var parsed = WorkerCommandLine.Create((_, _) => Task.FromResult(0)).Parse(["--metrics-port", "http"]);

        parsed.Errors.Should().ContainSingle().Which.Message.Should().Contain("--metrics-port");
    }

    [Theory]
    [InlineData(null, null)]
    [InlineData("", null)]
    [InlineData("0", null)]
    [InlineData("9187", 9187)]
    [InlineData("65535", 65535)]
    public void ReadPort_ReadsThePortOrNone_WhenValid(string? value, int? expected)
    {
        WorkerMetricsServer.ReadPort(Configuration(WorkerMetricsServer.PortKey, value)).Should().Be(expected);
    }

    [Theory]
    [InlineData("65536")]
    [InlineData("-1")]
    [InlineData("ninety")]
    public void ReadPort_RefusesNamingTheKeyAndOption_WhenNotAPort(string value)
    {
        var act = () => WorkerMetricsServer.ReadPort(Configuration(WorkerMetricsServer.PortKey, value));

        act.Should().Throw<InvalidOperationException>().WithMessage($"*Queue:Worker:MetricsPort*--metrics-port*'{value}'*");
    }

    [Fact]
    public void ReadHost_IsEveryInterface_UnlessConfigured()
    {
        WorkerMetricsServer.ReadHost(Configuration(WorkerMetricsServer.HostKey, null)).Should().Be("+");
        WorkerMetricsServer.ReadHost(Configuration(WorkerMetricsServer.HostKey, "127.0.0.1")).Should().Be("127.0.0.1");
    }

    private static IConfiguration Configuration(string key, string? value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { [key] = value }).Build();
}
