using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Storage;

/// <summary>
/// Keeps the run log in memory, indexed by flow. Each execution is a header and a list its step attempts are appended to (an
/// append never copies the execution). Retention by count holds at every moment: when an execution finishes beyond
/// <see cref="WebhookFlowsOptions.RunLogMaxCountPerFlow"/> finished ones of its flow, the oldest finished one is dropped at once.
/// Step inputs and outputs are kept compact, as UTF-8 JSON bytes (the trigger's output as the bytes the worker wrote), and
/// become trees again only when a step of a read execution is looked at: a full run log of small messages costs megabytes.
/// </summary>
internal sealed class InMemoryExecutionStore(IOptions<WebhookFlowsOptions> options) : IExecutionStore, IUtf8StepLog
{
    private readonly int _maxFinishedPerFlow = Math.Max(1, options.Value.RunLogMaxCountPerFlow);
    private readonly object _gate = new();
    private readonly Dictionary<string, Entry> _executions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, FlowLog> _byFlow = new(StringComparer.Ordinal);

    public ValueTask StartAsync(FlowExecution execution, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(execution);
        var steps = new List<StoredStep>(Math.Max(execution.Steps.Count, 4));
        foreach (var step in execution.Steps)
        {
            steps.Add(StoredStep.From(step));
        }

        return Start(execution, steps);
    }

    public ValueTask StartAsync(FlowExecution execution, StepExecution triggerStep, MessageBody triggerOutput, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(execution);
        ArgumentNullException.ThrowIfNull(triggerStep);
        ArgumentNullException.ThrowIfNull(triggerOutput);
        var steps = new List<StoredStep>(4) { new(triggerStep with { Input = null, Output = null }, StoredStep.Bytes(triggerStep.Input), triggerOutput.Utf8) };
        return Start(execution, steps);
    }

    private ValueTask Start(FlowExecution execution, List<StoredStep> steps)
    {
        lock (_gate)
        {
            if (_executions.TryGetValue(execution.Id, out var existing))
            {
                // A redelivery: the same entry starts again; only its start time is kept.
                SetHeader(existing, Header(execution) with { StartedAt = existing.Header.StartedAt, Status = ExecutionStatus.Running });
                existing.Steps = steps;
                return default;
            }

            var header = Header(execution);
            var entry = new Entry(header.Status == ExecutionStatus.Running ? header : header with { Status = ExecutionStatus.Running }, steps);
            _executions.Add(execution.Id, entry);
            LogOf(execution.FlowId).All.Add(entry);
        }

        return default;
    }

    public ValueTask AppendStepAsync(string executionId, StepExecution step, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(step);
        var stored = StoredStep.From(step);
        lock (_gate)
        {
            Find(executionId).Steps.Add(stored);
        }

        return default;
    }

    public ValueTask AddPendingReboundAsync(string executionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var entry = Find(executionId);
            SetHeader(entry, entry.Header with { PendingRebounds = entry.Header.PendingRebounds + 1 });
        }

        return default;
    }

    public ValueTask ResumeAsync(string executionId, bool rebound, int deliveryCount = 1, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var entry = Find(executionId);
            var header = entry.Header;
            SetHeader(entry, header with
            {
                Status = ExecutionStatus.Running,
                FinishedAt = null,
                Failure = null,
                PendingRebounds = Math.Max(0, header.PendingRebounds - (rebound ? 1 : 0)),
                DeliveryCount = Math.Max(header.DeliveryCount, deliveryCount),
            });
        }

        return default;
    }

    public ValueTask<FlowExecution> FinishAsync(string executionId, bool failed, ExecutionFailure? failure, DateTimeOffset finishedAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var entry = Find(executionId);
            SetHeader(entry, Finished(entry.Header, failed, failure, finishedAt));
            var snapshot = entry.Snapshot();
            EnforceCount(entry.Header.FlowId);
            return new(snapshot);
        }
    }

    public ValueTask<bool> TrySetStatusAsync(string executionId, ExecutionStatus expected, ExecutionStatus status, DateTimeOffset? finishedAt, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_executions.TryGetValue(executionId, out var entry) || entry.Header.Status != expected)
            {
                return new(false);
            }

            SetHeader(entry, entry.Header with { Status = status, FinishedAt = finishedAt });
            EnforceCount(entry.Header.FlowId);
            return new(true);
        }
    }

    public ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_executions.TryGetValue(executionId, out var entry) ? entry.Snapshot() : null);
        }
    }

    public ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            if (!_byFlow.TryGetValue(query.FlowId, out var log))
            {
                return new(Array.Empty<FlowExecution>());
            }

            var result = log.All
                .Where(e => query.Status is null || e.Header.Status == query.Status)
                .Where(e => query.From is null || e.Header.StartedAt >= query.From)
                .Where(e => query.To is null || e.Header.StartedAt < query.To)
                .OrderByDescending(e => e, EntryOrder.Instance)
                .Skip(Math.Max(query.Skip, 0))
                .Take(Math.Max(query.Limit, 0))
                .Select(e => e.Snapshot())
                .ToArray();
            return new(result);
        }
    }

    public ValueTask<IReadOnlyList<ExecutionCount>> CountAsync(ExecutionCountQuery query, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(query);
        lock (_gate)
        {
            if (!_byFlow.TryGetValue(query.FlowId, out var log))
            {
                return new(Array.Empty<ExecutionCount>());
            }

            IReadOnlyList<ExecutionCount> result = log.All
                .Where(e => e.Header.StartedAt >= query.From && e.Header.StartedAt < query.To)
                .GroupBy(e => (Bucket: query.BucketOf(e.Header.StartedAt), e.Header.Status))
                .OrderBy(g => g.Key.Bucket).ThenBy(g => g.Key.Status)
                .Select(g => new ExecutionCount(query.From + (query.BucketSize * g.Key.Bucket), g.Key.Status, g.Count()))
                .ToArray();
            return new(result);
        }
    }

    public ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byFlow.TryGetValue(flowId, out var log))
            {
                return new(0);
            }

            var doomed = log.Finished.Reverse()
                .Where((e, index) => e.Header.StartedAt < olderThan || index >= keepNewest)
                .ToList();
            foreach (var entry in doomed)
            {
                Remove(log, entry);
            }

            return new(doomed.Count);
        }
    }

    /// <summary>How many executions the store holds (tests check the caps with it).</summary>
    internal int Count
    {
        get
        {
            lock (_gate)
            {
                return _executions.Count;
            }
        }
    }

    /// <summary>The header after a delivery ended (see <see cref="IExecutionStore.FinishAsync"/>).</summary>
    private static FlowExecution Finished(FlowExecution header, bool failed, ExecutionFailure? failure, DateTimeOffset finishedAt)
    {
        var status = failed || header.Status == ExecutionStatus.Failed ? ExecutionStatus.Failed
            : header.PendingRebounds > 0 ? ExecutionStatus.Rebounding
            : ExecutionStatus.Succeeded;
        return header with
        {
            Status = status,
            FinishedAt = status == ExecutionStatus.Rebounding ? null : finishedAt,
            Failure = failure ?? header.Failure,
        };
    }

    private static FlowExecution Header(FlowExecution execution) =>
        execution.Steps.Count == 0 ? execution : execution with { Steps = [] };

    private Entry Find(string executionId) =>
        _executions.TryGetValue(executionId, out var entry) ? entry : throw new KeyNotFoundException($"Execution '{executionId}' was not found.");

    private FlowLog LogOf(string flowId)
    {
        if (!_byFlow.TryGetValue(flowId, out var log))
        {
            _byFlow[flowId] = log = new FlowLog();
        }

        return log;
    }

    /// <summary>Replaces an entry's header and keeps its flow's set of finished executions in step with its status.</summary>
    private void SetHeader(Entry entry, FlowExecution header)
    {
        var log = LogOf(entry.Header.FlowId);
        var wasFinished = IsFinished(entry.Header.Status);
        if (wasFinished)
        {
            log.Finished.Remove(entry);
        }

        // The finished set is ordered by start time and id, which must not change while the entry is in it.
        var current = entry.Header;
        entry.Header = header.StartedAt.EqualsExact(current.StartedAt) && ReferenceEquals(header.Id, current.Id) && ReferenceEquals(header.FlowId, current.FlowId)
            ? header
            : header with { StartedAt = current.StartedAt, Id = current.Id, FlowId = current.FlowId };
        if (IsFinished(header.Status))
        {
            log.Finished.Add(entry);
        }
    }

    /// <summary>Drops the oldest finished executions of a flow beyond the cap (running and rebounding ones are not counted).</summary>
    private void EnforceCount(string flowId)
    {
        var log = LogOf(flowId);
        while (log.Finished.Count > _maxFinishedPerFlow)
        {
            Remove(log, log.Finished.Min!);
        }
    }

    private void Remove(FlowLog log, Entry entry)
    {
        log.Finished.Remove(entry);
        log.All.Remove(entry);
        _executions.Remove(entry.Header.Id);
    }

    private static bool IsFinished(ExecutionStatus status) => status is ExecutionStatus.Succeeded or ExecutionStatus.Failed;

    private sealed class Entry(FlowExecution header, List<StoredStep> steps)
    {
        /// <summary>The execution without its steps.</summary>
        public FlowExecution Header { get; set; } = header;

        public List<StoredStep> Steps { get; set; } = steps;

        public FlowExecution Snapshot() => Header with { Steps = new StepList(Steps.ToArray()) };
    }

    /// <summary>A step attempt as kept: its record without input and output, and those as UTF-8 JSON.</summary>
    private sealed record StoredStep(StepExecution Record, ReadOnlyMemory<byte>? Input, ReadOnlyMemory<byte>? Output)
    {
        public static StoredStep From(StepExecution step) =>
            step.Input is null && step.Output is null ? new(step, null, null) : new(step with { Input = null, Output = null }, Bytes(step.Input), Bytes(step.Output));

        public static ReadOnlyMemory<byte>? Bytes(JToken? token) => token is null ? (ReadOnlyMemory<byte>?)null : Utf8Json.From(token);

        public StepExecution ToStep() => Input is null && Output is null ? Record
            : Record with { Input = Input is { } input ? Utf8Json.Parse(input) : null, Output = Output is { } output ? Utf8Json.Parse(output) : null };
    }

    /// <summary>A snapshot's steps: trees are made from the bytes when the list is first read, once.</summary>
    private sealed class StepList(StoredStep[] stored) : IReadOnlyList<StepExecution>
    {
        private StepExecution[]? _steps;

        public int Count => stored.Length;

        public StepExecution this[int index] => Steps[index];

        private StepExecution[] Steps => _steps ??= Array.ConvertAll(stored, s => s.ToStep());

        public IEnumerator<StepExecution> GetEnumerator() => ((IEnumerable<StepExecution>)Steps).GetEnumerator();

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
    }

    private sealed class FlowLog
    {
        public HashSet<Entry> All { get; } = [];

        /// <summary>The flow's finished executions, oldest first (the run log's order, reversed).</summary>
        public SortedSet<Entry> Finished { get; } = new(EntryOrder.Instance);
    }

    /// <summary>The run log's order: by start time, then by id.</summary>
    private sealed class EntryOrder : IComparer<Entry>
    {
        public static readonly EntryOrder Instance = new();

        public int Compare(Entry? x, Entry? y)
        {
            var byTime = x!.Header.StartedAt.CompareTo(y!.Header.StartedAt);
            return byTime != 0 ? byTime : StringComparer.Ordinal.Compare(x.Header.Id, y.Header.Id);
        }
    }
}
