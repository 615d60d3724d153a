namespace Flows.Sdk.Flows;

/// <summary>An immutable, numbered, published version of a flow.</summary>
/// <param name="FlowId">The flow's id.</param>
/// <param name="Number">The version number: 1, 2, ...</param>
/// <param name="Definition">The draft as it was when published.</param>
/// <param name="PublishedAt">When it was published.</param>
public sealed record FlowVersion(string FlowId, int Number, FlowDraft Definition, DateTimeOffset PublishedAt);
