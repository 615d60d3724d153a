using Flows.Sdk.Execution;

namespace Flows.Sdk.Storage;

/// <summary>
/// A run log that takes the trigger's output as the UTF-8 bytes the worker wrote, so that a trigger-only flow builds no tree
/// of it at all. The runner uses it when the run log implements it; otherwise it hands <see cref="IExecutionStore.StartAsync"/>
/// a tree.
/// </summary>
internal interface IUtf8StepLog
{
    /// <summary>
    /// As <see cref="IExecutionStore.StartAsync"/>, with the trigger's step (its <see cref="StepExecution.Output"/> may be
    /// <see langword="null"/>: <paramref name="triggerOutput"/> is the output).
    /// </summary>
    ValueTask StartAsync(FlowExecution execution, StepExecution triggerStep, MessageBody triggerOutput, CancellationToken cancellationToken);
}
