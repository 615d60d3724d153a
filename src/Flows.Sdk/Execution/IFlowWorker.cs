namespace Flows.Sdk.Execution;

/// <summary>
/// The engine's worker entry point, for any host (the generic host's hosted service, an Azure Functions or queue-consumer
/// adapter, a console loop): it drains the queue with <see cref="DependencyInjection.WebhookFlowsOptions.MaxConcurrency"/>
/// loops, each taking a message, running its execution and acknowledging it. Registered as a singleton by
/// <c>AddWebhookFlowsCore</c>; run it once per process.
/// </summary>
/// <remarks>
/// Stopping is two-phase. Cancelling <c>stopAccepting</c> ends each loop after the message it is running, so the task
/// returned by <see cref="RunAsync"/> completes when the running executions have finished. Cancelling <c>abandon</c> cancels
/// those executions themselves: their messages are not acknowledged, so a durable queue delivers them again.
/// A failed execution is recorded in the run log and its message acknowledged; an exception never ends the loops.
/// </remarks>
public interface IFlowWorker
{
    /// <summary>How many messages are being run right now.</summary>
    int Running { get; }

    /// <summary>Runs the worker loops until <paramref name="stopAccepting"/> is cancelled and the running messages ended.</summary>
    /// <param name="stopAccepting">Cancelled to take no further message.</param>
    /// <param name="abandon">Cancelled to cancel the running executions (their messages stay unacknowledged).</param>
    /// <returns>A task that completes when every loop has ended.</returns>
    Task RunAsync(CancellationToken stopAccepting, CancellationToken abandon);
}
