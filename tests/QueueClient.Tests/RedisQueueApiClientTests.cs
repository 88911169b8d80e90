using QueueClient.Tests.Support;
using QueueHttpApi.Tests.Support;
using QueueService.Tests.Fixtures;

namespace QueueClient.Tests;

/// <summary>
/// One pass through the client on the Redis store. The client speaks HTTP only, and the other tests prove each method on
/// the embedded store; this proves the same answers come back when Redis holds the tasks.
/// </summary>
public sealed class RedisQueueApiClientTests(RedisServerFixture redis) : IClassFixture<RedisServerFixture>
{
    [Fact]
    public async Task SubmitGetListAndWatch_Work_WhenTheApiRunsOnRedis()
    {
        using var api = ClientTestSupport.Start(ApiFactory.OnRedis(redis.ConnectionString, RedisServerFixture.UniqueNamespace(),
            settings: ClientTestSupport.Quiet(null)));
        using var client = ClientTestSupport.ClientOf(api);

        var first = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "first", Priority = 1 });
        var second = await client.SubmitRiskDetectionAsync(new RiskDetectionRequest { Text = "second", Priority = 9 });
        var task = await client.GetTaskAsync(first.Id);
        var page = await client.ListTasksAsync(new TaskListQuery { Status = QueueTaskStatus.Queued });
        var stats = await client.GetStatsAsync();
        var cancelled = await client.CancelAsync(first.Id);
        var waited = await client.WaitForCompletionAsync(first.Id).WaitAsync(TimeSpan.FromSeconds(10));

        second.QueuePosition.Should().Be(1, "higher priority runs first");
        task.QueuePosition.Should().Be(2);
        page.Items.Select(t => t.Id).Should().BeEquivalentTo([first.Id, second.Id]);
        stats.Store.Should().Be("redis");
        stats.Totals.Queued.Should().Be(2);
        cancelled.Status.Should().Be(QueueTaskStatus.Cancelled);
        waited.Status.Should().Be(QueueTaskStatus.Cancelled);
    }
}
