namespace Flows.Sdk.Execution;

/// <summary>
/// Enforces run-log retention (<see cref="DependencyInjection.WebhookFlowsOptions.RunLogMaxAge"/> and
/// <see cref="DependencyInjection.WebhookFlowsOptions.RunLogMaxCountPerFlow"/>): for every flow it drops the finished
/// executions past the maximum age or count. Registered as a singleton by <c>AddWebhookFlowsCore</c>; a host runs
/// <see cref="RunAsync"/> in the background (the generic host's package does), or calls <see cref="PruneOnceAsync"/> from its
/// own timer.
/// </summary>
public interface IRunLogPruner
{
    /// <summary>Prunes every flow's run log once.</summary>
    /// <param name="cancellationToken">Cancels the pass.</param>
    /// <returns>How many executions were deleted.</returns>
    Task<int> PruneOnceAsync(CancellationToken cancellationToken);

    /// <summary>
    /// Prunes at once and then every <see cref="DependencyInjection.WebhookFlowsOptions.RunLogPruneInterval"/> until
    /// <paramref name="stoppingToken"/> is cancelled. A failed pass is logged and the next one runs on time.
    /// </summary>
    /// <param name="stoppingToken">Ends the loop.</param>
    /// <returns>A task that completes when the loop has ended.</returns>
    Task RunAsync(CancellationToken stoppingToken);
}
