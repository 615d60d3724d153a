using Flows.Sdk.Execution;

namespace Flows.Sdk.Storage;

/// <summary>
/// The run log port: an append-only record of every run of a flow (one <see cref="FlowExecution"/> per accepted message), and
/// its queries.
/// </summary>
/// <remarks>
/// <para>
/// Writes: an execution is <see cref="StartAsync">started</see> once per delivery of its message, each step attempt is
/// <see cref="AppendStepAsync">appended</see>, rebounds are counted (<see cref="AddPendingReboundAsync"/>,
/// <see cref="ResumeAsync"/>), and the delivery <see cref="FinishAsync">finishes</see> it. No write rewrites what an earlier one
/// recorded: the bytes written per execution grow linearly with its steps, and each step's data is stored once.
/// </para>
/// <para>Guarantees every implementation gives (the store contract tests check them):</para>
/// <list type="bullet">
/// <item><description>
/// Idempotent by execution id: the id is assigned when the hook accepts the request, and every write names it. Starting an
/// execution whose id is recorded (a message delivered again after a crash) starts that same entry again, never a second one:
/// its <see cref="FlowExecution.StartedAt"/> is kept, its steps, failure and rebound count are replaced by the new delivery's.
/// </description></item>
/// <item><description>
/// Ordered appends: the step attempts of one execution are read back in the order the appends were made, and concurrent
/// appends to one execution (branches of a fan-out, on several workers) are all kept; no lock is needed by the caller.
/// </description></item>
/// <item><description>
/// At-least-once recording: a write may be lost in a crash only together with the acknowledgement of its message (a store
/// sharing a transaction log with the queue writes them in order), so the message is delivered again and its execution
/// recorded again from the start. Once a write has returned, reads of the same store see it (read-your-writes).
/// </description></item>
/// <item><description>
/// Retention at every moment: a store keeps at most <c>RunLogMaxCountPerFlow</c> finished (succeeded or failed) executions per
/// flow at every moment, dropping the oldest as others finish (a store may let the count run over by a small batch it documents,
/// trimmed with the next finishes); running and rebounding executions are never dropped. Age is enforced by
/// <see cref="PruneAsync"/>.
/// </description></item>
/// </list>
/// </remarks>
public interface IExecutionStore
{
    /// <summary>
    /// Starts the execution <paramref name="execution"/> names (status running), with <see cref="FlowExecution.Steps"/> as its
    /// first step attempts (the trigger's output). When its id is recorded already (a redelivered message), that entry starts
    /// again: its start time is kept; steps, failure, pending rebounds and end are replaced.
    /// </summary>
    ValueTask StartAsync(FlowExecution execution, CancellationToken cancellationToken = default);

    /// <summary>Appends a step attempt to a started execution.</summary>
    /// <exception cref="KeyNotFoundException">No execution has that id.</exception>
    ValueTask AppendStepAsync(string executionId, StepExecution step, CancellationToken cancellationToken = default);

    /// <summary>Counts one more rebound of the execution waiting in the queue.</summary>
    /// <exception cref="KeyNotFoundException">No execution has that id.</exception>
    ValueTask AddPendingReboundAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Marks a recorded execution running again for a delivery that continues it (a rebound, when <paramref name="rebound"/>, which
    /// then no longer waits; or a retry): no end, no failure.
    /// </summary>
    /// <param name="executionId">The execution.</param>
    /// <param name="rebound">Whether the delivery is a rebound.</param>
    /// <param name="deliveryCount">The delivery's count (the recorded delivery count becomes at least this).</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="KeyNotFoundException">No execution has that id.</exception>
    ValueTask ResumeAsync(string executionId, bool rebound, int deliveryCount = 1, CancellationToken cancellationToken = default);

    /// <summary>
    /// Ends a delivery of the execution: failed when <paramref name="failed"/> or the execution failed already; otherwise
    /// rebounding while rebounds of it wait (no end time), else succeeded. Returns the execution as it is now, with all its steps.
    /// </summary>
    /// <param name="executionId">The execution.</param>
    /// <param name="failed">Whether this delivery failed.</param>
    /// <param name="failure">Where this delivery failed, when known (kept for a retry); otherwise the recorded one stays.</param>
    /// <param name="finishedAt">When the delivery ended.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <exception cref="KeyNotFoundException">No execution has that id.</exception>
    ValueTask<FlowExecution> FinishAsync(string executionId, bool failed, ExecutionFailure? failure, DateTimeOffset finishedAt, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sets the execution's status to <paramref name="status"/> (and its end to <paramref name="finishedAt"/>) if, and only if,
    /// it is <paramref name="expected"/> now, atomically: how a retry claims a failed execution once. Returns whether it was set
    /// (false also when no execution has that id).
    /// </summary>
    ValueTask<bool> TrySetStatusAsync(string executionId, ExecutionStatus expected, ExecutionStatus status, DateTimeOffset? finishedAt, CancellationToken cancellationToken = default);

    /// <summary>Gets an execution with all its steps, or <see langword="null"/>.</summary>
    ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Lists a flow's executions, newest first, filtered and paged by <paramref name="query"/>.</summary>
    ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a flow's finished executions that started before <paramref name="olderThan"/>, and all but the newest
    /// <paramref name="keepNewest"/> of the rest. Running and rebounding executions are kept. Returns how many were deleted.
    /// </summary>
    ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default);

    /// <summary>
    /// Counts a flow's executions that started in [<see cref="ExecutionCountQuery.From"/>, <see cref="ExecutionCountQuery.To"/>),
    /// by status and by bucket of <see cref="ExecutionCountQuery.BucketSize"/> (bucket <c>i</c> starts at <c>From + i * BucketSize</c>).
    /// Only buckets and statuses with at least one execution are returned. The default implementation pages through
    /// <see cref="ListAsync"/>; a store should count where the data is.
    /// </summary>
    async ValueTask<IReadOnlyList<ExecutionCount>> CountAsync(ExecutionCountQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        var counts = new Dictionary<(long Bucket, ExecutionStatus Status), int>();
        const int page = 500;
        for (var skip = 0; ; skip += page)
        {
            var items = await ListAsync(new ExecutionQuery(query.FlowId) { From = query.From, To = query.To, Skip = skip, Limit = page }, cancellationToken).ConfigureAwait(false);
            foreach (var execution in items)
            {
                var key = (query.BucketOf(execution.StartedAt), execution.Status);
                counts[key] = counts.GetValueOrDefault(key) + 1;
            }

            if (items.Count < page)
            {
                break;
            }
        }

        return counts.OrderBy(c => c.Key.Bucket).ThenBy(c => c.Key.Status)
            .Select(c => new ExecutionCount(query.From + (query.BucketSize * c.Key.Bucket), c.Key.Status, c.Value)).ToArray();
    }
}

/// <summary>Which executions to count, and in which buckets.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="From">The first start time counted.</param>
/// <param name="To">The end of the window (not included).</param>
/// <param name="BucketSize">The width of one bucket; the whole window in one bucket when it is at least as wide.</param>
public sealed record ExecutionCountQuery(string FlowId, DateTimeOffset From, DateTimeOffset To, TimeSpan BucketSize)
{
    /// <summary>The bucket a start time falls in.</summary>
    /// <param name="startedAt">An execution's start time, in the window.</param>
    public long BucketOf(DateTimeOffset startedAt) =>
        BucketSize <= TimeSpan.Zero ? 0 : (startedAt.UtcTicks - From.UtcTicks) / BucketSize.Ticks;
}

/// <summary>How many executions of a status started in one bucket.</summary>
/// <param name="BucketStart">When the bucket starts.</param>
/// <param name="Status">The executions' status now.</param>
/// <param name="Count">How many.</param>
public sealed record ExecutionCount(DateTimeOffset BucketStart, ExecutionStatus Status, int Count);

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
