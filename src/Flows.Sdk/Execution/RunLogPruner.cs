using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>Enforces run-log retention: for every flow, drops finished executions past the maximum age or count.</summary>
internal sealed class RunLogPruner(IFlowStore flows, IExecutionStore executions, IOptions<WebhookFlowsOptions> options, TimeProvider time, ILogger<RunLogPruner> logger) : IRunLogPruner
{
    public async Task<int> PruneOnceAsync(CancellationToken cancellationToken)
    {
        var settings = options.Value;
        var olderThan = time.GetUtcNow() - settings.RunLogMaxAge;
        var total = 0;
        foreach (var flow in await flows.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var deleted = await executions.PruneAsync(flow.Id, olderThan, settings.RunLogMaxCountPerFlow, cancellationToken).ConfigureAwait(false);
            if (deleted > 0)
            {
                Log.RunLogPruned(logger, flow.Id, deleted);
            }

            total += deleted;
        }

        return total;
    }

    public async Task RunAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.RunLogPruneInterval, time);
        do
        {
            try
            {
                await PruneOnceAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                Log.RunLogPruneFailed(logger, e);
            }
        }
        while (await WaitAsync(timer, stoppingToken).ConfigureAwait(false));
    }

    private static async Task<bool> WaitAsync(PeriodicTimer timer, CancellationToken stoppingToken)
    {
        try
        {
            return await timer.WaitForNextTickAsync(stoppingToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }
}
