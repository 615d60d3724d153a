using Flows.Sdk.Execution;

namespace Flows.Sdk.Storage;

/// <summary>Keeps the run log in memory, indexed by flow.</summary>
internal sealed class InMemoryExecutionStore : IExecutionStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, FlowExecution> _executions = new(StringComparer.Ordinal);
    private readonly Dictionary<string, List<string>> _byFlow = new(StringComparer.Ordinal);

    public ValueTask SaveAsync(FlowExecution execution, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (_executions.TryAdd(execution.Id, execution))
            {
                if (!_byFlow.TryGetValue(execution.FlowId, out var ids))
                {
                    _byFlow[execution.FlowId] = ids = [];
                }

                ids.Add(execution.Id);
            }
            else
            {
                _executions[execution.Id] = execution;
            }
        }

        return default;
    }

    public ValueTask<FlowExecution?> GetAsync(string executionId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_executions.GetValueOrDefault(executionId));
        }
    }

    public ValueTask<IReadOnlyList<FlowExecution>> ListAsync(ExecutionQuery query, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byFlow.TryGetValue(query.FlowId, out var ids))
            {
                return new(Array.Empty<FlowExecution>());
            }

            var result = ids
                .Select(id => _executions[id])
                .Where(e => query.Status is null || e.Status == query.Status)
                .Where(e => query.From is null || e.StartedAt >= query.From)
                .Where(e => query.To is null || e.StartedAt < query.To)
                .OrderByDescending(e => e.StartedAt)
                .ThenByDescending(e => e.Id, StringComparer.Ordinal)
                .Skip(query.Skip)
                .Take(query.Limit)
                .ToArray();
            return new(result);
        }
    }

    public ValueTask<int> PruneAsync(string flowId, DateTimeOffset olderThan, int keepNewest, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_byFlow.TryGetValue(flowId, out var ids))
            {
                return new(0);
            }

            var finished = ids
                .Select(id => _executions[id])
                .Where(e => e.Status is ExecutionStatus.Succeeded or ExecutionStatus.Failed)
                .OrderByDescending(e => e.StartedAt)
                .ThenByDescending(e => e.Id, StringComparer.Ordinal)
                .ToList();
            var doomed = finished.Where((e, index) => e.StartedAt < olderThan || index >= keepNewest).Select(e => e.Id).ToHashSet(StringComparer.Ordinal);
            foreach (var id in doomed)
            {
                _executions.Remove(id);
            }

            ids.RemoveAll(doomed.Contains);
            return new(doomed.Count);
        }
    }
}
