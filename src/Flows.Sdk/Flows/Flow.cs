namespace Flows.Sdk.Flows;

/// <summary>
/// A flow: one editable draft, its published versions and the version that is live.
/// Instances are immutable snapshots; change a flow through <see cref="IFlowManager"/>.
/// </summary>
public sealed record Flow
{
    /// <summary>The flow's id, also the last segment of its hook address <c>/hook/{id}</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The lifecycle state.</summary>
    public required FlowState State { get; init; }

    /// <summary>The editable draft.</summary>
    public required FlowDraft Draft { get; init; }

    /// <summary>The number of the latest published version, or <see langword="null"/> when none was published.</summary>
    public int? LatestVersion { get; init; }

    /// <summary>The version that runs while the flow is <see cref="FlowState.Running"/>, or <see langword="null"/>.</summary>
    public int? LiveVersion { get; init; }

    /// <summary>When the flow was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <summary>When the flow was last changed.</summary>
    public required DateTimeOffset UpdatedAt { get; init; }

    /// <summary>A number that changes on every save, for optimistic concurrency in stores.</summary>
    public long Revision { get; init; }
}
