using Flows.Sdk.Diagnostics;
using Flows.Sdk.Storage;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>The run log's reads, and retries of failed executions through the queue.</summary>
internal sealed class ExecutionManager(IExecutionStore store, IFlowQueue queue, TimeProvider time) : IExecutionManager
{
    public ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default) =>
        store.GetAsync(executionId, cancellationToken);

    public ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default) =>
        store.ListAsync(query, cancellationToken);

    public async ValueTask<FlowExecution> RetryAsync(string executionId, JObject? message = null, CancellationToken cancellationToken = default)
    {
        var current = await store.GetAsync(executionId, cancellationToken).ConfigureAwait(false)
            ?? throw new ExecutionNotFoundException(executionId);
        if (current.Status != ExecutionStatus.Failed || current.Failure is not { } failure)
        {
            throw NotFailed(executionId, current.Status);
        }

        // Claimed atomically (failed -> running), so that a second retry of the same failure is refused.
        if (!await store.TrySetStatusAsync(executionId, ExecutionStatus.Failed, ExecutionStatus.Running, null, cancellationToken).ConfigureAwait(false))
        {
            var now = await store.GetAsync(executionId, cancellationToken).ConfigureAwait(false)
                ?? throw new ExecutionNotFoundException(executionId);
            throw NotFailed(executionId, now.Status);
        }

        var retry = new QueuedMessage(Ids.New(), current.RequestId, current.Id, current.FlowId, current.FlowVersion,
            MessageBody.FromObject(message ?? failure.Message), time.GetUtcNow())
        {
            ResumeStepId = failure.StepId,
            StepOutputs = failure.StepOutputs,
            Attempt = failure.Attempt + 1,
        };

        if (!await queue.TryEnqueueAsync(retry, cancellationToken).ConfigureAwait(false))
        {
            await store.TrySetStatusAsync(executionId, ExecutionStatus.Running, ExecutionStatus.Failed, time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);
            throw new ExecutionStateException(executionId, "The queue is full; try the retry again later.");
        }

        return current with { Status = ExecutionStatus.Running, FinishedAt = null };
    }

    private static ExecutionStateException NotFailed(string executionId, ExecutionStatus status) =>
        new(executionId, $"Execution '{executionId}' is {status.ToString().ToLowerInvariant()}: only a failed execution can be retried.");
}
