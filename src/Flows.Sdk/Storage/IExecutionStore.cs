using Flows.Sdk.Execution;

namespace Flows.Sdk.Storage;

/// <summary>Stores the run log: one <see cref="FlowExecution"/> per run of a flow.</summary>
public interface IExecutionStore
{
    /// <summary>Adds or replaces an execution.</summary>
    ValueTask SaveAsync(FlowExecution execution, CancellationToken cancellationToken = default);

    /// <summary>Gets an execution, or <see langword="null"/>.</summary>
    ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Lists a flow's executions, newest first, filtered and paged by <paramref name="query"/>.</summary>
    ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a flow's finished executions that started before <paramref name="olderThan"/>, and all but the newest
    /// <paramref name="keepNewest"/> of the rest. Running and rebounding executions are kept. Returns how many were deleted.
    /// </summary>
    ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default);
}

/// <summary>Which executions to list.</summary>
/// <param name="FlowId">The flow whose executions to list.</param>
public sealed record ExecutionQuery(string FlowId)
{
    /// <summary>Only executions with this status, when set.</summary>
    public ExecutionStatus? Status { get; init; }

    /// <summary>Only executions started at or after this time, when set.</summary>
    public DateTimeOffset? From { get; init; }

    /// <summary>Only executions started before this time, when set.</summary>
    public DateTimeOffset? To { get; init; }

    /// <summary>How many executions to skip (for paging).</summary>
    public int Skip { get; init; }

    /// <summary>How many executions to return at most.</summary>
    public int Limit { get; init; } = 50;
}
