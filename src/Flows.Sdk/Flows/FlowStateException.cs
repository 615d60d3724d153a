namespace Flows.Sdk.Flows;

/// <summary>An operation does not fit the flow's current state (for example starting a flow that was never published).</summary>
public sealed class FlowStateException : ConflictException
{
    /// <summary>Creates the exception.</summary>
    public FlowStateException(string message) : base(message)
    {
    }
}
