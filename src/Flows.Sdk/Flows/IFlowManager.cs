namespace Flows.Sdk.Flows;

/// <summary>
/// Creates flows and moves them through their lifecycle: edit the draft, publish a version, start, stop.
/// </summary>
public interface IFlowManager
{
    /// <summary>Creates a flow from <paramref name="draft"/>. The draft is checked for shape (samples parse, step ids are unique) but not for completeness.</summary>
    /// <exception cref="FlowValidationException">The draft is malformed.</exception>
    ValueTask<Flow> CreateAsync(FlowDraft draft, CancellationToken cancellationToken = default);

    /// <summary>Gets a flow, or <see langword="null"/> when there is none with that id.</summary>
    ValueTask<Flow?> GetAsync(string flowId, CancellationToken cancellationToken = default);

    /// <summary>Lists all flows.</summary>
    ValueTask<IReadOnlyList<Flow>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Replaces the flow's draft. Published versions are not affected.</summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    /// <exception cref="FlowValidationException">The draft is malformed.</exception>
    ValueTask<Flow> UpdateDraftAsync(string flowId, FlowDraft draft, CancellationToken cancellationToken = default);

    /// <summary>
    /// Validates the draft and publishes it as the next immutable version. A running flow moves to the new version.
    /// </summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    /// <exception cref="FlowValidationException">The draft is not complete; each error names its step and field.</exception>
    ValueTask<PublishResult> PublishAsync(string flowId, CancellationToken cancellationToken = default);

    /// <summary>
    /// Asks the component of an action step for a sample of its output (<see cref="Components.IComponent.RetrieveSampleAsync"/>;
    /// by default one built from the action's output metadata) and stores it on the step of the draft, so that later steps can map from it.
    /// </summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    /// <exception cref="FlowValidationException">The step does not exist, is not an action, or the component failed.</exception>
    ValueTask<Flow> RetrieveSampleAsync(string flowId, string stepId, CancellationToken cancellationToken = default);

    /// <summary>Starts the latest published version: the flow goes live.</summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    /// <exception cref="FlowStateException">The flow has no published version.</exception>
    ValueTask<Flow> StartAsync(string flowId, CancellationToken cancellationToken = default);

    /// <summary>Stops the flow: its hook address stops accepting requests.</summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    ValueTask<Flow> StopAsync(string flowId, CancellationToken cancellationToken = default);

    /// <summary>Gets a published version, or <see langword="null"/>.</summary>
    ValueTask<FlowVersion?> GetVersionAsync(string flowId, int version, CancellationToken cancellationToken = default);

    /// <summary>Renames the flow (its draft's name; published versions keep theirs). The name is trimmed, 1 to 200 characters.</summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    /// <exception cref="FlowValidationException">The name is empty or too long.</exception>
    ValueTask<Flow> RenameAsync(string flowId, string name, CancellationToken cancellationToken = default);

    /// <summary>Deletes a flow that is not running, with its versions and its finished executions.</summary>
    /// <exception cref="FlowNotFoundException">No flow has that id.</exception>
    /// <exception cref="FlowStateException">The flow is running: stop it first.</exception>
    ValueTask DeleteAsync(string flowId, CancellationToken cancellationToken = default);
}
