using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Storage;

/// <summary>Keeps each step's snapshot: state an action saves and gets back with the next message.</summary>
public interface ISnapshotStore
{
    /// <summary>Gets the snapshot of a flow's step, or <see langword="null"/> when none was saved.</summary>
    ValueTask<JObject?> GetAsync(string flowId, string stepId, CancellationToken cancellationToken = default);

    /// <summary>Replaces the snapshot of a flow's step.</summary>
    ValueTask SaveAsync(string flowId, string stepId, JObject snapshot, CancellationToken cancellationToken = default);
}
