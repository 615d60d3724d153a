namespace Flows.Sdk.Flows;

/// <summary>Where a flow is in its lifecycle.</summary>
public enum FlowState
{
    /// <summary>The flow has a draft and no published version yet; it cannot run.</summary>
    Draft,

    /// <summary>The flow has at least one published version and is not live.</summary>
    Stopped,

    /// <summary>The flow is live: its hook address accepts requests and runs its live version.</summary>
    Running,
}
