using Flows.Sdk.Execution;

namespace Flows.Sdk.Storage;

/// <summary>
/// An optional addition to <see cref="IExecutionStore"/>: a run log that takes the trigger's output as the UTF-8 JSON bytes the
/// worker wrote, so that a trigger-only flow builds no tree of it at all. The runner uses it when the run log implements it;
/// otherwise it hands <see cref="IExecutionStore.StartAsync"/> a tree.
/// </summary>
/// <remarks>
/// The same guarantees as <see cref="IExecutionStore.StartAsync"/> apply (idempotent by execution id; a redelivered message starts
/// its entry again). The bytes are one well-formed JSON object; a <see cref="MessageBody"/> is immutable, so the store may keep
/// it as it is.
/// </remarks>
public interface IUtf8StepLog
{
    /// <summary>
    /// As <see cref="IExecutionStore.StartAsync"/>, with the trigger's step as the execution's first step attempt (its
    /// <see cref="StepExecution.Output"/> may be <see langword="null"/>: <paramref name="triggerOutput"/> is the output).
    /// </summary>
    /// <param name="execution">The execution to start; its <see cref="FlowExecution.Steps"/> are ignored.</param>
    /// <param name="triggerStep">The trigger's step attempt, without its output.</param>
    /// <param name="triggerOutput">The trigger's output, as UTF-8 JSON.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask StartAsync(FlowExecution execution, StepExecution triggerStep, MessageBody triggerOutput, CancellationToken cancellationToken);
}
