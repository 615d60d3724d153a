using System.Collections.Concurrent;
using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

/// <summary>Workers never wait for a flow: a flow gets at most its fair share while others have messages waiting.</summary>
public sealed class FairWorkerTests
{
    private TestHost? _host;
    private IHostedService? _workers;

    private HoldState Hold => _host!.Services.GetRequiredService<HoldState>();

    private void Start(Action<WebhookFlowsOptions> configure) =>
        _host = new TestHost(configure, services =>
        {
            services.AddSingleton<HoldState>();
            services.TryAddEnumerable(ServiceDescriptor.Singleton<IComponent, HoldComponent>());
        });

    [TearDown]
    public async Task TearDown()
    {
        if (_host is null)
        {
            return;
        }

        Hold.OpenAll();
        if (_workers is not null)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            // Bounded: a runaway the engine does not stop would keep the abandoned worker loop (and this wait) forever.
            await _workers.StopAsync(timeout.Token).WaitAsync(TimeSpan.FromSeconds(5)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            (_workers as IDisposable)?.Dispose();
            _workers = null;
        }

        await _host!.DisposeAsync();
        _host = null;
    }

    private async Task StartWorkersAsync()
    {
        _workers = ActivatorUtilities.CreateInstance<global::Flows.Sdk.Hosting.FlowWorkerHostedService>(_host!.Services);
        await _workers.StartAsync(CancellationToken.None);
    }

    private async Task<Flow> HeldFlowAsync() =>
        await _host!.LiveFlowAsync(null, new StepDefinition { Id = "hold", ComponentId = HoldComponent.Id, Function = "hold", Mapping = new Dictionary<string, string>() });

    private async Task<string> SendAsync(string flowId)
    {
        var response = await _host!.Receiver.ReceiveAsync(TestHost.Request(flowId, body: "{}"));
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
        var executions = _host!.Services.GetRequiredService<IExecutionManager>();
        while (true)
        {
            if (await executions.GetAsync(executionId, cancellationToken) is { FinishedAt: not null } done)
            {
                return done;
            }

            await Task.Delay(10, cancellationToken);
        }
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_flow_alone_runs_at_most_MaxConcurrencyPerFlow_at_once(CancellationToken cancellationToken)
    {
        Start(o => { o.MaxConcurrency = 4; o.MaxConcurrencyPerFlow = 2; });
        var flow = await HeldFlowAsync();
        var ids = new List<string>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add(await SendAsync(flow.Id));
        }

        await StartWorkersAsync();
        await UntilAsync(() => Hold.Running(flow.Id) == 2, cancellationToken);
        _host!.Queue.Count.Should().Be(3, "two free workers do not take the flow's other messages");
        Hold.Release(flow.Id, 5);
        foreach (var id in ids)
        {
            (await FinishedAsync(id, cancellationToken)).Status.Should().Be(ExecutionStatus.Succeeded);
        }

        Hold.MaxRunning(flow.Id).Should().Be(2);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task A_flow_at_its_limit_leaves_the_free_workers_to_another_flow(CancellationToken cancellationToken)
    {
        Start(o => { o.MaxConcurrency = 3; o.MaxConcurrencyPerFlow = 2; });
        var busy = await HeldFlowAsync();
        var other = await HeldFlowAsync();
        for (var i = 0; i < 6; i++)
        {
            await SendAsync(busy.Id);
        }

        await StartWorkersAsync();
        await UntilAsync(() => Hold.Running(busy.Id) == 2, cancellationToken);
        Hold.Release(other.Id, 1);
        var execution = await FinishedAsync(await SendAsync(other.Id), cancellationToken);

        execution.Status.Should().Be(ExecutionStatus.Succeeded);
        Hold.Running(busy.Id).Should().Be(2, "the busy flow is still held at its limit");
        _host!.Queue.Count.Should().Be(4);
    }

    [Test]
    [CancelAfter(10_000)]
    public async Task Flows_with_messages_waiting_share_the_workers_fairly(CancellationToken cancellationToken)
    {
        Start(o => { o.MaxConcurrency = 4; o.MaxConcurrencyPerFlow = 4; });
        var first = await HeldFlowAsync();
        var second = await HeldFlowAsync();
        for (var i = 0; i < 8; i++)
        {
            await SendAsync(first.Id);
        }

        for (var i = 0; i < 8; i++)
        {
            await SendAsync(second.Id);
        }

        await StartWorkersAsync();
        await UntilAsync(() => Hold.Running(first.Id) + Hold.Running(second.Id) == 4, cancellationToken);

        Hold.Running(first.Id).Should().Be(2);
        Hold.Running(second.Id).Should().Be(2);
        Hold.Release(first.Id, 8);
        await UntilAsync(() => Hold.Completed(first.Id) == 8, cancellationToken);
        Hold.MaxRunning(first.Id).Should().Be(2, "while the other flow had messages waiting, the first kept to its half");
    }

    [Test]
    public void By_default_one_flow_cannot_take_every_worker()
    {
        var options = new WebhookFlowsOptions { MaxConcurrency = 8 };
        var small = new WebhookFlowsOptions { MaxConcurrency = 1 };

        options.MaxConcurrencyPerFlow.Should().Be(4);
        small.MaxConcurrencyPerFlow.Should().Be(1);
        new WebhookFlowsOptions().MaxConcurrencyPerFlow.Should().BeLessThan(new WebhookFlowsOptions().MaxConcurrency);
    }

    [Test]
    public void A_per_flow_limit_above_MaxConcurrency_fails_the_host_at_start()
    {
        var result = new WebhookFlowsOptionsValidator().Validate(null, new WebhookFlowsOptions { MaxConcurrency = 4, MaxConcurrencyPerFlow = 5 });

        result.Failed.Should().BeTrue();
        result.FailureMessage.Should().Contain("WebhookFlowsOptions.MaxConcurrencyPerFlow must be at most MaxConcurrency (4); it is 5.");
    }
}

/// <summary>An action that waits at its flow's gate, counting how many runs of each flow wait at once.</summary>
internal sealed class HoldComponent : IComponent
{
    public const string Id = "hold";

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Title = "Hold",
        Actions = [ActionDescriptor.For<HoldAction>("hold", "Wait at the flow's gate")],
    };
}

internal sealed class HoldState
{
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _gates = new();
    private readonly ConcurrentDictionary<string, int[]> _counts = new();

    private int[] Counts(string flowId) => _counts.GetOrAdd(flowId, _ => new int[3]);

    public SemaphoreSlim Gate(string flowId) => _gates.GetOrAdd(flowId, _ => new SemaphoreSlim(0));

    public int Running(string flowId) => Volatile.Read(ref Counts(flowId)[0]);

    public int MaxRunning(string flowId) => Volatile.Read(ref Counts(flowId)[1]);

    public int Completed(string flowId) => Volatile.Read(ref Counts(flowId)[2]);

    public void Release(string flowId, int count) => Gate(flowId).Release(count);

    public void OpenAll()
    {
        foreach (var gate in _gates.Values)
        {
            gate.Release(1000);
        }
    }

    public async Task HoldAsync(string flowId, CancellationToken cancellationToken)
    {
        var counts = Counts(flowId);
        var now = Interlocked.Increment(ref counts[0]);
        int max;
        while (now > (max = Volatile.Read(ref counts[1])) && Interlocked.CompareExchange(ref counts[1], now, max) != max)
        {
        }

        try
        {
            await Gate(flowId).WaitAsync(cancellationToken);
        }
        finally
        {
            Interlocked.Decrement(ref counts[0]);
            Interlocked.Increment(ref counts[2]);
        }
    }
}

internal sealed class HoldAction(HoldState state) : IFlowAction
{
    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        await state.HoldAsync(context.FlowId, context.CancellationToken);
        return new JObject { ["held"] = true };
    }
}
