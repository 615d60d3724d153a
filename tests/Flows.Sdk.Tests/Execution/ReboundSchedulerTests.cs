using Flows.Sdk.Execution;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

[CancelAfter(30_000)]
public sealed class ReboundSchedulerTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost(options =>
    {
        options.ReboundInitialDelay = TimeSpan.FromSeconds(10);
        options.MaxRebounds = 3;
    });

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private ReboundScheduler Scheduler => _host.Services.GetRequiredService<ReboundScheduler>();

    [Test]
    public void The_rebound_delay_doubles_with_each_rebound()
    {
        Enumerable.Range(0, 4).Select(Scheduler.DelayOf).Should().Equal(
            TimeSpan.FromSeconds(10), TimeSpan.FromSeconds(20), TimeSpan.FromSeconds(40), TimeSpan.FromSeconds(80));
        Scheduler.DelayOf(1000).Should().Be(Scheduler.DelayOf(30), "the doubling stops at 2^30");
    }

    [Test]
    public async Task A_rebound_is_queued_as_a_copy_of_the_message_that_resumes_the_step_later_with_its_counts_raised()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "rebound", ("key", "key")));
        var call = seams.Call(attempt: 4);

        var refused = await Scheduler.ScheduleAsync(seams.Message, call, attempt: 4, rebounds: 1, "not yet", CancellationToken.None, CancellationToken.None);

        refused.Should().BeNull();
        (await seams.RunLog.GetAsync(seams.Message.ExecutionId))!.PendingRebounds.Should().Be(1);
        _host.Time.Advance(TimeSpan.FromSeconds(20));
        var rebound = await _host.DequeueAsync();
        rebound.MessageId.Should().NotBe(seams.Message.MessageId);
        rebound.ExecutionId.Should().Be(seams.Message.ExecutionId);
        rebound.ResumeStepId.Should().Be("step_2");
        rebound.Attempt.Should().Be(5);
        rebound.Rebounds.Should().Be(2);
        rebound.NotBefore.Should().Be(seams.Message.ReceivedAt + TimeSpan.FromSeconds(20));
        JToken.DeepEquals(rebound.Body.ToObject(), call.Incoming).Should().BeTrue("the rebound carries the step's incoming message");
        rebound.Request.Should().BeNull();
        rebound.StepOutputs.Should().BeSameAs(call.StepOutputs);
    }

    [Test]
    public async Task Past_the_limit_the_step_fails_and_nothing_is_queued()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "rebound", ("key", "key")));

        var refused = await Scheduler.ScheduleAsync(seams.Message, seams.Call(), attempt: 4, rebounds: 3, "still not", CancellationToken.None, CancellationToken.None);

        refused.Should().NotBeNull();
        refused!.Type.Should().Be("ReboundLimitExceeded");
        refused.Message.Should().Be("Rebound limit exceeded: the step asked for 4 rebounds, at most 3 are allowed. Last reason: still not");
        var recorded = (await seams.AttemptsAsync()).Single();
        recorded.Status.Should().Be(ExecutionStatus.Failed);
        recorded.Attempt.Should().Be(4);
        (await seams.RunLog.GetAsync(seams.Message.ExecutionId))!.PendingRebounds.Should().Be(0);
        _host.Queue.Count.Should().Be(0);
    }
}
