using Flows.Sdk.Execution;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flows.Sdk.Tests.Execution;

[CancelAfter(30_000)]
public sealed class StepInvokerTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost(options => options.TransientRetryCount = 3);

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private StepInvoker Invoker => _host.Services.GetRequiredService<StepInvoker>();

    [Test]
    public async Task A_transient_failure_is_retried_and_every_attempt_is_recorded()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "flaky", ("key", "key"), ("times", "times")));

        var result = await _host.WithClockAsync(Invoker.InvokeAsync(seams.Call(), CancellationToken.None, CancellationToken.None), TimeSpan.FromSeconds(5));

        result.Kind.Should().Be(StepOutcome.Completed);
        result.Attempt.Should().Be(3);
        result.Emitted.Should().ContainSingle().Which["calls"]!.ToObject<int>().Should().Be(3);
        var attempts = await seams.AttemptsAsync();
        attempts.Select(a => (a.Attempt, a.Status)).Should().Equal((1, ExecutionStatus.Failed), (2, ExecutionStatus.Failed), (3, ExecutionStatus.Succeeded));
        attempts[0].Error!.Type.Should().Be("HttpRequestException");
    }

    [Test]
    public async Task A_permanent_failure_is_not_retried()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "badRequest", ("key", "key")));

        var result = await Invoker.InvokeAsync(seams.Call(), CancellationToken.None, CancellationToken.None);

        result.Kind.Should().Be(StepOutcome.Failed);
        result.Transient.Should().BeFalse();
        result.Error.Should().Be("step_2: the API refused the input");
        (await seams.AttemptsAsync()).Should().ContainSingle();
        _host.State.Calls["k"].Should().Be(1);
    }

    [Test]
    public async Task An_input_missing_a_required_field_fails_the_step_before_the_action_runs()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "count", ("key", "nothing.here")));

        var result = await Invoker.InvokeAsync(seams.Call(), CancellationToken.None, CancellationToken.None);

        result.Kind.Should().Be(StepOutcome.Failed);
        var attempt = (await seams.AttemptsAsync()).Single();
        attempt.Error!.Type.Should().Be("InputValidationError");
        attempt.Error.Message.Should().Be("The required input field 'key' is missing: its mapping 'nothing.here' gave no value.");
        _host.State.Calls.Should().BeEmpty();
    }

    [Test]
    public async Task A_rebound_request_is_reported_with_its_reason_and_recorded_as_rebounding()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "rebound", ("key", "key"), ("times", "times")));

        var result = await Invoker.InvokeAsync(seams.Call(), CancellationToken.None, CancellationToken.None);

        result.Kind.Should().Be(StepOutcome.Rebounding);
        result.Error.Should().NotBeNullOrEmpty();
        (await seams.AttemptsAsync()).Single().Status.Should().Be(ExecutionStatus.Rebounding);
    }

    [Test]
    public async Task A_flow_stop_fails_the_attempt_for_good_but_the_host_abandoning_the_run_throws()
    {
        var seams = await StepSeams.StartAsync(_host, TestHost.Engine("step_2", "count", ("key", "key")));
        using var stopped = new CancellationTokenSource();
        stopped.Cancel();

        var result = await Invoker.InvokeAsync(seams.Call(), stopped.Token, abandon: CancellationToken.None);

        result.Kind.Should().Be(StepOutcome.Failed);
        result.Transient.Should().BeFalse();
        (await seams.AttemptsAsync()).Single().Error!.Type.Should().Be("FlowStopped");

        var abandoned = () => Invoker.InvokeAsync(seams.Call(2), stopped.Token, abandon: stopped.Token);
        await abandoned.Should().ThrowAsync<OperationCanceledException>();
        _host.State.Calls.Should().BeEmpty();
    }
}
