using Flows.Sdk.Execution;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Tests.Execution;

public sealed class GracefulShutdownTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost(o => o.MaxConcurrency = 2);

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private static IHostedService WorkerService(IServiceProvider services) =>
        ActivatorUtilities.CreateInstance<global::Flows.Sdk.Hosting.FlowWorkerHostedService>(services);

    private async Task<(string ExecutionId, IHostedService Worker)> StartOneGatedRunAsync()
    {
        var flow = await _host.LiveFlowAsync(null, TestHost.Engine("wait", "gate", ("key", "'k'")));
        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"));
        var worker = WorkerService(_host.Services);
        await worker.StartAsync(CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (Volatile.Read(ref _host.State.Concurrent) == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        return (response.Headers[global::Flows.Sdk.Hooks.WebhookResponse.ExecutionIdHeader], worker);
    }

    [Test]
    public async Task Stopping_lets_a_running_execution_finish_and_takes_no_new_message()
    {
        var (executionId, worker) = await StartOneGatedRunAsync();

        var stop = worker.StopAsync(CancellationToken.None);
        await Task.Delay(100);
        stop.IsCompleted.Should().BeFalse("a running execution is waited for");
        var flow = (await _host.Flows.ListAsync()).Single();
        (await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);
        _host.State.Gate.Release(2);
        await stop.WaitAsync(TimeSpan.FromSeconds(10));

        var execution = await _host.Services.GetRequiredService<IExecutionManager>().GetAsync(executionId);
        execution!.Status.Should().Be(ExecutionStatus.Succeeded);
        _host.Queue.Count.Should().Be(1, "the worker took no new message after the stop began");
    }

    [Test]
    public async Task Stopping_past_the_shutdown_timeout_cancels_what_still_runs()
    {
        var (executionId, worker) = await StartOneGatedRunAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        await worker.StopAsync(timeout.Token).WaitAsync(TimeSpan.FromSeconds(10));

        var execution = await _host.Services.GetRequiredService<IExecutionManager>().GetAsync(executionId);
        execution!.Status.Should().Be(ExecutionStatus.Running, "the run was abandoned, not finished: a durable queue delivers it again");
        Volatile.Read(ref _host.State.Concurrent).Should().Be(0);
    }
}
