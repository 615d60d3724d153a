using Flows.Sdk.Execution;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Hosting;

/// <summary>Runs the flow workers for the lifetime of the host; stopping the host cancels them.</summary>
internal sealed class FlowWorkerHostedService(FlowWorker worker) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => worker.RunAsync(stoppingToken);
}
