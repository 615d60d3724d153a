using Flows.Sdk.Flows;

namespace Flows.Sdk.Storage;

/// <summary>
/// Keeps flows in memory. Flows and versions are immutable records, so no copy is needed. Changes take a lock; reading a
/// flow (twice per hook request: the hook and the worker) does not.
/// </summary>
internal sealed class InMemoryFlowStore : IFlowStore
{
    private readonly object _gate = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, Flow> _flows = new(StringComparer.Ordinal);
    private readonly Dictionary<(string FlowId, int Number), FlowVersion> _versions = [];

    public ValueTask<Flow?> GetAsync(string flowId, CancellationToken cancellationToken = default) =>
        new(_flows.TryGetValue(flowId, out var flow) ? flow : null);

    public ValueTask<IReadOnlyList<Flow>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_flows.Values.OrderBy(f => f.CreatedAt).ThenBy(f => f.Id, StringComparer.Ordinal).ToArray());
        }
    }

    public ValueTask AddAsync(Flow flow, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_flows.TryAdd(flow.Id, flow))
            {
                throw new InvalidOperationException($"A flow with id '{flow.Id}' exists.");
            }
        }

        return default;
    }

    public ValueTask<bool> TryUpdateAsync(Flow flow, long expectedRevision, FlowVersion? newVersion = null, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_flows.TryGetValue(flow.Id, out var current) || current.Revision != expectedRevision)
            {
                return new(false);
            }

            if (newVersion is not null && !_versions.TryAdd((newVersion.FlowId, newVersion.Number), newVersion))
            {
                return new(false);
            }

            _flows[flow.Id] = flow;
            return new(true);
        }
    }

    public ValueTask<FlowVersion?> GetVersionAsync(string flowId, int version, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_versions.GetValueOrDefault((flowId, version)));
        }
    }

    public ValueTask<bool> DeleteAsync(string flowId, long expectedRevision, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_flows.TryGetValue(flowId, out var current) || current.Revision != expectedRevision)
            {
                return new(false);
            }

            _flows.TryRemove(flowId, out _);
            foreach (var key in _versions.Keys.Where(k => string.Equals(k.FlowId, flowId, StringComparison.Ordinal)).ToArray())
            {
                _versions.Remove(key);
            }

            return new(true);
        }
    }
}
