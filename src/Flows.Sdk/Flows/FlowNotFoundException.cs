namespace Flows.Sdk.Flows;

/// <summary>No flow has the given id.</summary>
public sealed class FlowNotFoundException : NotFoundException
{
    /// <summary>Creates the exception for <paramref name="flowId"/>.</summary>
    public FlowNotFoundException(string flowId) : base("flow", flowId, $"Flow '{flowId}' was not found.") => FlowId = flowId;

    /// <summary>The id that was looked up.</summary>
    public string FlowId { get; }
}
