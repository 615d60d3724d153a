using Flows.Sdk.Execution;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Hosting;

/// <summary>Prunes the run log in the background, every <c>RunLogPruneInterval</c>.</summary>
internal sealed class RunLogRetentionService(IRunLogPruner pruner) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken) => pruner.RunAsync(stoppingToken);
}
