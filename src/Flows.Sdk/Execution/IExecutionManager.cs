using Flows.Sdk.Storage;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>Reads the run log and re-runs failed executions.</summary>
public interface IExecutionManager
{
    /// <summary>Gets an execution, or <see langword="null"/>.</summary>
    ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Lists a flow's executions, newest first, filtered and paged by <paramref name="query"/>.</summary>
    ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs a failed execution again from its failed step, with the message that step got or with <paramref name="message"/>
    /// in its place. The new attempts are recorded in the same execution. Returns the execution as queued (status running).
    /// </summary>
    /// <exception cref="ExecutionNotFoundException">No execution has that id.</exception>
    /// <exception cref="ExecutionStateException">The execution has not failed, or the queue is full (it stays failed).</exception>
    ValueTask<FlowExecution> RetryAsync(string executionId, JObject? message = null, CancellationToken cancellationToken = default);
}
