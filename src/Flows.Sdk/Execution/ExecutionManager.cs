using Flows.Sdk.Diagnostics;
using Flows.Sdk.Storage;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>The run log's reads, and retries of failed executions through the queue.</summary>
internal sealed class ExecutionManager(ExecutionJournal journal, IFlowQueue queue, TimeProvider time) : IExecutionManager
{
    public ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default) =>
        journal.Store.GetAsync(executionId, cancellationToken);

    public ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default) =>
        journal.Store.ListAsync(query, cancellationToken);

    public async ValueTask<FlowExecution> RetryAsync(string executionId, JObject? message = null, CancellationToken cancellationToken = default)
    {
        QueuedMessage? retry = null;
        var execution = await journal.UpdateAsync(executionId, current =>
        {
            if (current is null)
            {
                throw new ExecutionNotFoundException(executionId);
            }

            if (current.Status != ExecutionStatus.Failed || current.Failure is not { } failure)
            {
                throw new ExecutionStateException(executionId, $"Execution '{executionId}' is {current.Status.ToString().ToLowerInvariant()}: only a failed execution can be retried.");
            }

            retry = new QueuedMessage(Ids.New(), current.RequestId, current.Id, current.FlowId, current.FlowVersion,
                (JObject)(message ?? failure.Message).DeepClone(), time.GetUtcNow())
            {
                ResumeStepId = failure.StepId,
                StepOutputs = failure.StepOutputs,
                Attempt = failure.Attempt + 1,
            };

            // Marked running at once, so that a second retry of the same failure is refused.
            return current with { Status = ExecutionStatus.Running, FinishedAt = null };
        }, cancellationToken).ConfigureAwait(false);

        if (!await queue.TryEnqueueAsync(retry!, cancellationToken).ConfigureAwait(false))
        {
            await journal.UpdateAsync(executionId, e => e! with { Status = ExecutionStatus.Failed, FinishedAt = time.GetUtcNow() }, CancellationToken.None).ConfigureAwait(false);
            throw new ExecutionStateException(executionId, "The queue is full; try the retry again later.");
        }

        return execution;
    }
}
