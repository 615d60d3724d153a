using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

public sealed class EngineTests
{
    private TestHost _host = null!;

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private void Start(Action<global::Flows.Sdk.DependencyInjection.WebhookFlowsOptions>? configure = null) => _host = new TestHost(configure);

    private async Task<FlowExecution> AcceptAndRunAsync(string flowId, string body)
    {
        (await _host.Receiver.ReceiveAsync(TestHost.Request(flowId, body: body))).StatusCode.Should().Be(200);
        return await _host.WithClockAsync(_host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None), TimeSpan.FromSeconds(1));
    }

    private async Task<FlowExecution> StoredAsync(string id) =>
        (await _host.Services.GetRequiredService<IExecutionManager>().GetAsync(id))!;

    [Test]
    public async Task A_snapshot_saved_with_one_message_comes_back_with_the_next()
    {
        Start();
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("counter", "count", ("key", "'k'")));

        var outputs = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            var execution = await AcceptAndRunAsync(flow.Id, "{}");
            outputs.Add((int)execution.Steps[1].Output!["count"]!);
        }

        outputs.Should().Equal(1, 2, 3);
    }

    [Test]
    public async Task A_rebound_runs_the_message_again_after_15_s_then_30_s_and_records_each_attempt()
    {
        Start();
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("wait", "rebound", ("key", "'k'"), ("times", "3")));

        (await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);
        var first = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);

        first.Status.Should().Be(ExecutionStatus.Rebounding);
        first.FinishedAt.Should().BeNull();
        first.Steps[1].Status.Should().Be(ExecutionStatus.Rebounding);
        first.Steps[1].Output.Should().BeNull("data emitted with a rebound is discarded");
        first.Steps[1].Error!.Message.Should().Be("not ready at attempt 1");

        _host.Time.Advance(TimeSpan.FromSeconds(14));
        await Task.Delay(50);
        _host.Queue.Count.Should().Be(0, "the rebound waits 15 s");
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        var second = await _host.DequeueAsync();
        second.Attempt.Should().Be(2);
        second.ResumeStepId.Should().Be("wait");
        second.NotBefore.Should().Be(_host.Time.GetUtcNow());
        await _host.Runner.RunAsync(second, CancellationToken.None);

        var due = _host.Time.GetUtcNow() + TimeSpan.FromSeconds(30);
        _host.Time.Advance(TimeSpan.FromSeconds(30));
        var third = await _host.DequeueAsync();
        third.NotBefore.Should().Be(due, "the delay doubles");
        var done = await _host.Runner.RunAsync(third, CancellationToken.None);

        done.Id.Should().Be(first.Id);
        done.Status.Should().Be(ExecutionStatus.Succeeded);
        done.Steps.Where(s => s.StepId == "wait").Select(s => (s.Attempt, s.Status))
            .Should().Equal((1, ExecutionStatus.Rebounding), (2, ExecutionStatus.Rebounding), (3, ExecutionStatus.Succeeded));
        done.Steps[^1].Output!["readyAt"]!.Value<int>().Should().Be(3);
    }

    [Test]
    public async Task A_step_that_rebounds_past_the_limit_fails_with_rebound_limit_exceeded()
    {
        Start(o => { o.MaxRebounds = 2; o.ReboundInitialDelay = TimeSpan.FromSeconds(1); });
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("wait", "rebound", ("key", "'k'"), ("times", "100")));
        (await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);

        FlowExecution execution = null!;
        for (var run = 0; run < 3; run++)
        {
            var dequeue = _host.Queue.DequeueAsync(CancellationToken.None).AsTask();
            var delivery = await _host.WithClockAsync(dequeue, TimeSpan.FromSeconds(1));
            await delivery.AckAsync();
            execution = await _host.Runner.RunAsync(delivery.Message, CancellationToken.None);
        }

        execution.Status.Should().Be(ExecutionStatus.Failed);
        execution.Steps[^1].Error!.Type.Should().Be("ReboundLimitExceeded");
        execution.Steps[^1].Error!.Message.Should().StartWith("Rebound limit exceeded");
        _host.Queue.Count.Should().Be(0);
    }

    [Test]
    public async Task A_transient_failure_is_retried_with_backoff_and_every_attempt_is_recorded()
    {
        Start(o => o.TransientRetryCount = 3);
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("call", "flaky", ("key", "'k'"), ("times", "2")));

        var execution = await AcceptAndRunAsync(flow.Id, "{}");

        execution.Status.Should().Be(ExecutionStatus.Succeeded);
        _host.State.Calls["k"].Should().Be(3);
        var attempts = execution.Steps.Where(s => s.StepId == "call").ToList();
        attempts.Select(a => (a.Attempt, a.Status)).Should().Equal((1, ExecutionStatus.Failed), (2, ExecutionStatus.Failed), (3, ExecutionStatus.Succeeded));
        attempts[0].Error!.Type.Should().Be(nameof(HttpRequestException));
    }

    [Test]
    public async Task Transient_retries_stop_at_the_configured_count()
    {
        Start(o => o.TransientRetryCount = 2);
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("call", "flaky", ("key", "'k'"), ("times", "100")));

        var execution = await AcceptAndRunAsync(flow.Id, "{}");

        execution.Status.Should().Be(ExecutionStatus.Failed);
        _host.State.Calls["k"].Should().Be(3);
    }

    [Test]
    public async Task A_permanent_failure_is_not_retried()
    {
        Start();
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("call", "badRequest", ("key", "'k'")));

        var execution = await AcceptAndRunAsync(flow.Id, "{}");

        execution.Status.Should().Be(ExecutionStatus.Failed);
        _host.State.Calls["k"].Should().Be(1);
        execution.Steps[^1].Error!.Message.Should().Be("the API refused the input");
    }

    [TestCase(503, true)]
    [TestCase(429, true)]
    [TestCase(408, true)]
    [TestCase(400, false)]
    [TestCase(401, false)]
    [TestCase(404, false)]
    public void Http_failures_are_transient_only_for_5xx_408_and_429(int status, bool transient)
    {
        TransientFailures.IsTransient(new HttpRequestException("x", null, (System.Net.HttpStatusCode)status), CancellationToken.None).Should().Be(transient);
    }

    [Test]
    public void Network_errors_and_timeouts_are_transient_but_our_own_cancellation_is_not()
    {
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        TransientFailures.IsTransient(new HttpRequestException("no route"), CancellationToken.None).Should().BeTrue();
        TransientFailures.IsTransient(new TaskCanceledException("HttpClient timeout"), CancellationToken.None).Should().BeTrue();
        TransientFailures.IsTransient(new OperationCanceledException(), cancelled.Token).Should().BeFalse();
        TransientFailures.IsTransient(new InvalidOperationException("bug"), CancellationToken.None).Should().BeFalse();
        TransientFailures.IsTransient(new ArgumentException("bad input"), CancellationToken.None).Should().BeFalse();
    }

    [Test]
    public void Backoff_doubles_with_jitter_and_is_capped()
    {
        for (var retry = 1; retry <= 10; retry++)
        {
            var delay = TransientFailures.Backoff(retry, TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(30));
            var ceiling = Math.Min(30_000, 1000 * Math.Pow(2, retry - 1));
            delay.TotalMilliseconds.Should().BeInRange(ceiling / 2, ceiling);
        }
    }

    [Test]
    public async Task An_emitted_error_fails_the_step_with_its_message()
    {
        Start();
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("check", "emitError", ("key", "'k'")));

        var execution = await AcceptAndRunAsync(flow.Id, "{}");

        execution.Status.Should().Be(ExecutionStatus.Failed);
        execution.Steps[^1].Error.Should().Be(new StepError("EmittedError", "the input is not acceptable"));
        execution.Steps[^1].Output.Should().BeNull();
    }

    [Test]
    public async Task A_failed_execution_is_retried_from_its_failed_step_with_an_edited_message()
    {
        Start();
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null, TestHost.Action("step_2", "echo", credential, ("value", "v")));
        var failed = await AcceptAndRunAsync(flow.Id, """{"w": "typo"}""");
        failed.Status.Should().Be(ExecutionStatus.Failed);
        var manager = _host.Services.GetRequiredService<IExecutionManager>();

        var queued = await manager.RetryAsync(failed.Id, JObject.Parse("""{"v": "fixed"}"""));
        var again = async () => await manager.RetryAsync(failed.Id);
        var done = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);

        queued.Status.Should().Be(ExecutionStatus.Running);
        await again.Should().ThrowAsync<InvalidOperationException>("a retry is already queued");
        done.Id.Should().Be(failed.Id);
        done.Status.Should().Be(ExecutionStatus.Succeeded);
        done.Steps.Where(s => s.StepId == "step_2").Select(s => (s.Attempt, s.Status))
            .Should().Equal((1, ExecutionStatus.Failed), (2, ExecutionStatus.Succeeded));
        done.Steps[^1].Input!["value"]!.ToString().Should().Be("fixed");
        (await StoredAsync(failed.Id)).Failure.Should().BeNull();
    }

    [Test]
    public async Task A_retry_without_a_message_uses_the_original_one()
    {
        Start(o => o.TransientRetryCount = 0);
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("call", "flaky", ("key", "k"), ("times", "1")));
        var failed = await AcceptAndRunAsync(flow.Id, """{"k": "original"}""");
        failed.Status.Should().Be(ExecutionStatus.Failed);

        await _host.Services.GetRequiredService<IExecutionManager>().RetryAsync(failed.Id);
        var done = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);

        done.Status.Should().Be(ExecutionStatus.Succeeded);
        _host.State.Calls["original"].Should().Be(2);
    }

    [Test]
    public async Task Only_failed_executions_can_be_retried()
    {
        Start();
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("counter", "count", ("key", "'k'")));
        var ok = await AcceptAndRunAsync(flow.Id, "{}");
        var manager = _host.Services.GetRequiredService<IExecutionManager>();

        var succeeded = async () => await manager.RetryAsync(ok.Id);
        var unknown = async () => await manager.RetryAsync("nope");

        (await succeeded.Should().ThrowAsync<ExecutionStateException>()).Which.ExecutionId.Should().Be(ok.Id);
        (await unknown.Should().ThrowAsync<ExecutionNotFoundException>()).Which.Id.Should().Be("nope");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Retention_keeps_the_count_cap_as_executions_finish_and_the_pruner_deletes_those_past_the_age_but_not_running_ones()
    {
        Start(o => { o.RunLogMaxAge = TimeSpan.FromHours(1); o.RunLogMaxCountPerFlow = 2; });
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("counter", "count", ("key", "'k'")));
        var store = _host.Services.GetRequiredService<IExecutionStore>();
        await store.StartAsync(new FlowExecution
        {
            Id = "running", FlowId = flow.Id, FlowVersion = 1, RequestId = "r", MessageId = "m",
            Status = ExecutionStatus.Running, StartedAt = _host.Time.GetUtcNow() - TimeSpan.FromDays(90),
        });
        var finished = new List<string>();
        for (var i = 0; i < 4; i++)
        {
            finished.Add((await AcceptAndRunAsync(flow.Id, "{}")).Id);
            _host.Time.Advance(TimeSpan.FromSeconds(1));

            // The cap holds as each execution finishes, not only when the pruner runs.
            var listed = await store.ListAsync(new ExecutionQuery(flow.Id));
            listed.Select(e => e.Id).Should().BeEquivalentTo(finished.TakeLast(2).Append("running"), $"after {i + 1} executions");
        }

        _host.Time.Advance(TimeSpan.FromHours(2));
        var deleted = await _host.Services.GetRequiredService<RunLogPruner>().PruneOnceAsync(CancellationToken.None);

        deleted.Should().Be(2, "the two kept finished executions are now past the maximum age");
        (await store.ListAsync(new ExecutionQuery(flow.Id))).Select(e => e.Id).Should().Equal("running");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_burst_of_executions_never_grows_the_in_memory_run_log_past_its_cap()
    {
        const int Cap = 5;
        Start(o => o.RunLogMaxCountPerFlow = Cap);
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("counter", "count", ("key", "'k'")));
        var store = (InMemoryExecutionStore)_host.Services.GetRequiredService<IExecutionStore>();
        for (var i = 0; i < 100; i++)
        {
            (await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);
        }

        var largest = 0;
        for (var i = 0; i < 100; i++)
        {
            var execution = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);
            execution.Status.Should().Be(ExecutionStatus.Succeeded);
            largest = Math.Max(largest, store.Count);
        }

        largest.Should().Be(Cap);
        (await store.ListAsync(new ExecutionQuery(flow.Id) { Limit = 1000 })).Should().HaveCount(Cap);
    }
}
