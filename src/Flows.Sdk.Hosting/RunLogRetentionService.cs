using Flows.Sdk.Execution;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Hosting;

/// <summary>
/// Prunes the run log in the background, every <c>RunLogPruneInterval</c>, from the moment the host has started (so that a
/// store that refuses to start fails the host before the pruner touches it).
/// </summary>
internal sealed class RunLogRetentionService(IRunLogPruner pruner, IHostApplicationLifetime? lifetime = null) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (lifetime is not null)
        {
            await HostStarted.WaitAsync(lifetime, stoppingToken).ConfigureAwait(false);
        }

        if (!stoppingToken.IsCancellationRequested)
        {
            await pruner.RunAsync(stoppingToken).ConfigureAwait(false);
        }
    }
}
