using Flows.Sdk.Flows;

namespace Flows.Sdk.Storage;

/// <summary>Stores flows and their published versions.</summary>
public interface IFlowStore
{
    /// <summary>Gets a flow, or <see langword="null"/>.</summary>
    ValueTask<Flow?> GetAsync(string flowId, CancellationToken cancellationToken = default);

    /// <summary>Lists all flows, oldest first.</summary>
    ValueTask<IReadOnlyList<Flow>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Adds a new flow.</summary>
    /// <exception cref="InvalidOperationException">A flow with that id exists.</exception>
    ValueTask AddAsync(Flow flow, CancellationToken cancellationToken = default);

    /// <summary>
    /// Replaces a flow if its stored revision is still <paramref name="expectedRevision"/>, and adds
    /// <paramref name="newVersion"/> (when given) in the same atomic step.
    /// Returns <see langword="false"/> when the flow changed meanwhile (the caller reads it again and retries).
    /// </summary>
    ValueTask<bool> TryUpdateAsync(Flow flow, long expectedRevision, FlowVersion? newVersion = null, CancellationToken cancellationToken = default);

    /// <summary>Gets a published version, or <see langword="null"/>.</summary>
    ValueTask<FlowVersion?> GetVersionAsync(string flowId, int version, CancellationToken cancellationToken = default);

    /// <summary>
    /// Deletes a flow and its published versions if its stored revision is still <paramref name="expectedRevision"/>, atomically.
    /// Returns <see langword="false"/> when the flow changed meanwhile or does not exist.
    /// </summary>
    ValueTask<bool> DeleteAsync(string flowId, long expectedRevision, CancellationToken cancellationToken = default);
}
