using System.Collections.Concurrent;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Storage;

/// <summary>Keeps snapshots in memory; copies in and out so actions cannot change a stored snapshot by accident.</summary>
internal sealed class InMemorySnapshotStore : ISnapshotStore
{
    private readonly ConcurrentDictionary<(string FlowId, string StepId), JObject> _snapshots = new();

    public ValueTask<JObject?> GetAsync(string flowId, string stepId, CancellationToken cancellationToken = default) =>
        new(_snapshots.TryGetValue((flowId, stepId), out var snapshot) ? (JObject)snapshot.DeepClone() : null);

    public ValueTask SaveAsync(string flowId, string stepId, JObject snapshot, CancellationToken cancellationToken = default)
    {
        _snapshots[(flowId, stepId)] = (JObject)snapshot.DeepClone();
        return default;
    }
}
