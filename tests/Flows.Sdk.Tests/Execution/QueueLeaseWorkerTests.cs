using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Tests.Execution;

/// <summary>The workers and the queue's leases: a long run keeps its lease, a lost lease runs the message again.</summary>
public sealed class QueueLeaseWorkerTests
{
    private static readonly TimeSpan Lease = TimeSpan.FromMinutes(1);

    private TestHost _host = null!;
    private IHostedService? _workers;

    private HoldState Hold => _host.Services.GetRequiredService<HoldState>();

    [SetUp]
    public void SetUp() =>
        _host = new TestHost(o => { o.MaxConcurrency = 2; o.MaxConcurrencyPerFlow = 1; o.QueueLeaseDuration = Lease; }, services =>
        {
            services.AddSingleton<HoldState>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponent, HoldComponent>());
        });

    [TearDown]
    public async Task TearDown()
    {
        Hold.OpenAll();
        if (_workers is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            await _workers.StopAsync(timeout.Token).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            (_workers as IDisposable)?.Dispose();
        }

        await _host.DisposeAsync();
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_long_run_keeps_its_lease_because_the_worker_renews_it_and_is_acknowledged_once_recorded(CancellationToken cancellationToken)
    {
        var flow = await HeldFlowAsync();
        var executionId = await SendAsync(flow.Id);
        await StartWorkersAsync();
        await UntilAsync(() => Hold.Running(flow.Id) == 1, cancellationToken);

        // Ten leases long: the worker's renewals (every third of a lease) keep the message from being delivered again.
        for (var i = 0; i < 20; i++)
        {
            _host.Time.Advance(Lease / 2);
        }

        _host.Queue.Count.Should().Be(0, "the running message's lease was renewed, so it is not waiting again");
        Hold.Release(flow.Id, 1);
        var finished = await FinishedAsync(executionId, cancellationToken);
        _host.Time.Advance(Lease * 3);

        finished.Status.Should().Be(ExecutionStatus.Succeeded);
        finished.DeliveryCount.Should().Be(1);
        _host.Queue.Count.Should().Be(0, "acknowledged: it never comes back");
        Hold.Completed(flow.Id).Should().Be(1);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_message_whose_lease_was_lost_runs_again_and_the_run_log_shows_its_delivery_count(CancellationToken cancellationToken)
    {
        var flow = await HeldFlowAsync();
        var executionId = await SendAsync(flow.Id);
        var lost = await _host.DeliverAsync(); // A worker that takes the message and is never heard of again.

        _host.Time.Advance(Lease);
        _host.Queue.Count.Should().Be(1, "the expired lease made the message ready again");
        Hold.Release(flow.Id, 1);
        await StartWorkersAsync();
        var finished = await FinishedAsync(executionId, cancellationToken);

        lost.DeliveryCount.Should().Be(1);
        finished.Status.Should().Be(ExecutionStatus.Succeeded);
        finished.DeliveryCount.Should().Be(2);
        (await lost.RenewAsync(cancellationToken)).Should().BeFalse();
    }

    [Test]
    public void A_lease_shorter_than_a_second_fails_the_host_at_start()
    {
        var act = () => new WebhookFlowsOptionsValidator().Validate(null, new WebhookFlowsOptions { QueueLeaseDuration = TimeSpan.FromMilliseconds(10) });

        act().Failures.Should().ContainSingle().Which.Should().Contain(nameof(WebhookFlowsOptions.QueueLeaseDuration));
    }

    private async Task StartWorkersAsync()
    {
        _workers = ActivatorUtilities.CreateInstance<global::Flows.Sdk.Hosting.FlowWorkerHostedService>(_host.Services);
        await _workers.StartAsync(CancellationToken.None);
    }

    private async Task<Flow> HeldFlowAsync() =>
        await _host.LiveFlowAsync(null, new StepDefinition { Id = "hold", ComponentId = HoldComponent.Id, Function = "hold", Mapping = new Dictionary<string, string>() });

    private async Task<string> SendAsync(string flowId)
    {
        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flowId, body: "{}"));
        response.StatusCode.Should().Be(200);
        return response.Headers[global::Flows.Sdk.Hooks.WebhookResponse.ExecutionIdHeader];
    }

    private static async Task UntilAsync(Func<bool> condition, CancellationToken cancellationToken)
    {
        while (!condition())
        {
            await Task.Delay(10, cancellationToken);
        }
    }

    private async Task<FlowExecution> FinishedAsync(string executionId, CancellationToken cancellationToken)
    {
        var executions = _host.Services.GetRequiredService<IExecutionManager>();
        while (true)
        {
            if (await executions.GetAsync(executionId, cancellationToken) is { FinishedAt: not null } done)
            {
                return done;
            }

            await Task.Delay(10, cancellationToken);
        }
    }
}
