namespace Flows.Sdk.Components;

/// <summary>
/// The components known to the host (the built-in webhook and reply components and every one added with
/// <c>AddComponent&lt;T&gt;()</c>): their descriptors give their triggers, actions, credential fields and the metadata of what
/// each action takes and emits. Registered as a singleton by <c>AddWebhookFlowsCore</c>; an adapter uses it to list the
/// components or to describe a step (the management API shows a step's output fields from it).
/// </summary>
public interface IComponentCatalog
{
    /// <summary>Every known component, ordered by id.</summary>
    IReadOnlyList<IComponent> Components { get; }

    /// <summary>The component with the given id, or <see langword="null"/>.</summary>
    /// <param name="componentId">The component's id (case sensitive).</param>
    IComponent? Find(string componentId);
}
