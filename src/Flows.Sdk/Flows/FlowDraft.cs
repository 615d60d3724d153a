namespace Flows.Sdk.Flows;

/// <summary>
/// The editable content of a flow: its name and its steps. Publishing a draft makes an immutable <see cref="FlowVersion"/>.
/// </summary>
/// <param name="Name">The flow's name.</param>
/// <param name="Steps">The steps, a trigger first.</param>
public sealed record FlowDraft(string Name, IReadOnlyList<StepDefinition> Steps);
