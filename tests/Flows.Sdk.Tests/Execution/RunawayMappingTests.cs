using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Mapping.Jsonata;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Tests.Execution;

/// <summary>Mappings that run away at run time: bounded, failing their execution for good, never keeping a worker.</summary>
public sealed class RunawayMappingTests
{
    private TestHost _host = null!;
    private IHostedService? _workers;

    private HoldState Hold => _host.Services.GetRequiredService<HoldState>();

    private IExecutionManager Executions => _host.Services.GetRequiredService<IExecutionManager>();

    private void Start(TimeSpan timeLimit, int maxConcurrency = 2, int perFlow = 1) =>
        _host = new TestHost(o => { o.MaxConcurrency = maxConcurrency; o.MaxConcurrencyPerFlow = perFlow; o.TransientRetryCount = 3; }, services =>
        {
            services.Configure<JsonataOptions>(j => j.TimeLimit = timeLimit);
            services.AddSingleton<HoldState>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponent, HoldComponent>());
        });

    [TearDown]
    public async Task TearDown()
    {
        Hold.OpenAll();
        if (_workers is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            // Bounded: a runaway the engine does not stop would keep the abandoned worker loop (and this wait) forever.
            await _workers.StopAsync(timeout.Token).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            (_workers as IDisposable)?.Dispose();
            _workers = null;
        }

        await _host.DisposeAsync();
        _host = null!;
    }

    private async Task StartWorkersAsync()
    {
        _workers = ActivatorUtilities.CreateInstance<global::Flows.Sdk.Hosting.FlowWorkerHostedService>(_host.Services);
        await _workers.StartAsync(CancellationToken.None);
    }

    private static StepDefinition Counting(string expression, double? limit = null) =>
        TestHost.Engine("step_2", "count", ("key", expression)) with { MappingTimeLimitSeconds = limit };

    private async Task<string> SendAsync(string flowId, string petname)
    {
        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flowId, body: $$"""{"petname": "{{petname}}"}"""));
        response.StatusCode.Should().Be(200);
        return response.Headers[global::Flows.Sdk.Hooks.WebhookResponse.ExecutionIdHeader];
    }

    private async Task<FlowExecution> FinishedAsync(string executionId, CancellationToken cancellationToken)
    {
        while (true)
        {
            if (await Executions.GetAsync(executionId, cancellationToken) is { FinishedAt: not null } done)
            {
                return done;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    [TestCaseSource(typeof(Runaways), nameof(Runaways.All))]
    [CancelAfter(30_000)]
    public async Task A_runaway_mapping_fails_its_execution_with_the_code_and_the_worker_runs_the_next_message(
        string runaway, string codes, CancellationToken cancellationToken)
    {
        Start(TimeSpan.FromMilliseconds(300), maxConcurrency: 1);
        var flow = await _host.LiveFlowAsync(null, Counting(Runaways.OnLoop(runaway)));
        var looping = await SendAsync(flow.Id, "loop");
        var next = await SendAsync(flow.Id, "Gromit");

        await StartWorkersAsync();
        var failed = await FinishedAsync(looping, cancellationToken);
        var succeeded = await FinishedAsync(next, cancellationToken);

        failed.Status.Should().Be(ExecutionStatus.Failed);
        var attempts = failed.Steps.Where(s => s.StepId == "step_2").ToList();
        attempts.Should().ContainSingle("an overrun is not transient: no retry");
        attempts[0].Error!.Type.Should().Be("MappingError");
        attempts[0].Error!.Message.Should().MatchRegex($"\\(({codes})\\)");
        failed.PendingRebounds.Should().Be(0);
        succeeded.Status.Should().Be(ExecutionStatus.Succeeded, "the only worker was free for the next message");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task A_step_time_limit_overrides_the_hosts(CancellationToken cancellationToken)
    {
        Start(TimeSpan.FromSeconds(60));
        var flow = await _host.LiveFlowAsync(null, Counting(Runaways.OnLoop(Runaways.Recursion), limit: 0.3));
        var looping = await SendAsync(flow.Id, "loop");

        await StartWorkersAsync();
        var failed = await FinishedAsync(looping, cancellationToken);

        failed.Status.Should().Be(ExecutionStatus.Failed);
        failed.Steps[^1].Error!.Message.Should().Contain("(U1001)");
        (failed.Steps[^1].Duration < TimeSpan.FromSeconds(10)).Should().BeTrue($"the step's 0.3 s applies, not the host's 60 s; it took {failed.Steps[^1].Duration}");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Stopping_a_flow_fails_its_running_executions_at_once_and_frees_the_workers(CancellationToken cancellationToken)
    {
        Start(TimeSpan.FromSeconds(120), maxConcurrency: 2, perFlow: 2);
        var runaway = await _host.LiveFlowAsync(null, Counting(Runaways.OnLoop(Runaways.Recursion)));
        var other = await _host.LiveFlowAsync(null, Counting("petname"));
        var looping = new[] { await SendAsync(runaway.Id, "loop"), await SendAsync(runaway.Id, "loop") };
        await StartWorkersAsync();
        while ((await Executions.GetAsync(looping[1], cancellationToken))?.Status != ExecutionStatus.Running
            || (await Executions.GetAsync(looping[0], cancellationToken))?.Status != ExecutionStatus.Running)
        {
            await Task.Delay(10, cancellationToken);
        }

        var waiting = await SendAsync(other.Id, "Gromit");
        await _host.Flows.StopAsync(runaway.Id);

        foreach (var id in looping)
        {
            var stopped = await FinishedAsync(id, cancellationToken);
            stopped.Status.Should().Be(ExecutionStatus.Failed);
            stopped.Steps[^1].Error.Should().Be(new StepError("FlowStopped", "The flow was stopped while this execution ran."));
            stopped.Failure!.StepId.Should().Be("step_2", "a stopped execution can be retried from its step");
        }

        (await FinishedAsync(waiting, cancellationToken)).Status.Should().Be(ExecutionStatus.Succeeded, "the freed workers run the other flow");
        _host.Queue.Count.Should().Be(0, "the stopped executions' messages were acknowledged, not put back");
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Republishing_a_running_flow_does_not_cancel_its_running_executions(CancellationToken cancellationToken)
    {
        Start(TimeSpan.FromSeconds(5));
        var flow = await _host.LiveFlowAsync(null, new StepDefinition { Id = "hold", ComponentId = HoldComponent.Id, Function = "hold", Mapping = new Dictionary<string, string>() });
        var held = await SendAsync(flow.Id, "Gromit");
        await StartWorkersAsync();
        while (Hold.Running(flow.Id) == 0)
        {
            await Task.Delay(10, cancellationToken);
        }

        var republished = await _host.Flows.PublishAsync(flow.Id, cancellationToken);
        Hold.Release(flow.Id, 1);

        republished.Version.Number.Should().Be(2);
        var execution = await FinishedAsync(held, cancellationToken);
        execution.Status.Should().Be(ExecutionStatus.Succeeded);
        execution.FlowVersion.Should().Be(1);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task Host_shutdown_cancels_a_runaway_evaluation_without_finishing_its_execution(CancellationToken cancellationToken)
    {
        Start(TimeSpan.FromSeconds(120));
        var flow = await _host.LiveFlowAsync(null, Counting(Runaways.OnLoop(Runaways.Recursion)));
        var looping = await SendAsync(flow.Id, "loop");
        await StartWorkersAsync();
        while ((await Executions.GetAsync(looping, cancellationToken))?.Status != ExecutionStatus.Running)
        {
            await Task.Delay(10, cancellationToken);
        }

        using var shutdownTimeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var stopping = _workers!.StopAsync(shutdownTimeout.Token);
        await stopping.WaitAsync(TimeSpan.FromSeconds(5), cancellationToken);
        (_workers as IDisposable)?.Dispose();
        _workers = null;

        var execution = await Executions.GetAsync(looping, cancellationToken);
        execution!.Status.Should().Be(ExecutionStatus.Running, "abandoned at shutdown: a durable queue delivers it again");
        _host.Services.GetRequiredService<FlowWorker>().Running.Should().Be(0, "the evaluation saw the abandon token");
    }
}
