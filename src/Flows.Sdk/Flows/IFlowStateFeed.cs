namespace Flows.Sdk.Flows;

/// <summary>
/// The flow-state feed: announces each flow's publish, start and stop after the change is committed to the flow store, so
/// that whatever keeps flow state beside the store (compiled versions, hook rate limiters; on other nodes, their own copies)
/// can follow. The flow manager publishes; caches subscribe.
/// </summary>
/// <remarks>
/// Every implementation keeps these guarantees (the flow-state feed contract tests check them):
/// <list type="bullet">
/// <item>Every subscriber gets every change published after it subscribed, until it disposes its subscription.</item>
/// <item>Per flow, changes reach a subscriber in <see cref="FlowStateChange.Revision"/> order; a change older than one already
/// delivered for that flow is superseded and not delivered.</item>
/// <item>A subscriber that throws does not stop the others, nor the publisher.</item>
/// <item>The store is the truth: a change is published after its commit, so a follower that reads the store on a change
/// sees it (or a later one).</item>
/// </list>
/// The in-process default delivers to the subscribers of the same process before <see cref="PublishAsync"/> returns; a
/// distributed feed delivers to every node within a second, at least once (a repeated change is superseded by the rule above).
/// </remarks>
public interface IFlowStateFeed
{
    /// <summary>
    /// Announces a committed change to every subscriber. The change is already committed when this is called: a feed that
    /// cannot reach its transport now keeps the change and delivers it later rather than failing the caller.
    /// </summary>
    /// <param name="change">The change.</param>
    /// <param name="cancellationToken">Cancels the announcement (the change stays committed).</param>
    ValueTask PublishAsync(FlowStateChange change, CancellationToken cancellationToken = default);

    /// <summary>Follows the changes published from now on.</summary>
    /// <param name="subscriber">Called once per change; it should be quick and not block (start longer work elsewhere).</param>
    /// <returns>The subscription: dispose it to stop following.</returns>
    IDisposable Subscribe(Action<FlowStateChange> subscriber);
}

/// <summary>What changed in a flow's state, as committed to the flow store.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="Kind">What was done.</param>
/// <param name="State">The flow's state after the change.</param>
/// <param name="LatestVersion">The flow's latest published version after the change (the new one for a publish).</param>
/// <param name="LiveVersion">The version its hook runs after the change; <see langword="null"/> when it is not running.</param>
/// <param name="Revision">The flow's revision after the change: higher is later.</param>
/// <param name="ChangedAt">When the change was committed.</param>
public sealed record FlowStateChange(
    string FlowId, FlowStateChangeKind Kind, FlowState State, int? LatestVersion, int? LiveVersion, long Revision, DateTimeOffset ChangedAt)
{
    /// <summary>The change that made <paramref name="flow"/> what it is now.</summary>
    /// <param name="kind">What was done.</param>
    /// <param name="flow">The flow as committed.</param>
    public static FlowStateChange Of(FlowStateChangeKind kind, Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return new(flow.Id, kind, flow.State, flow.LatestVersion, flow.LiveVersion, flow.Revision, flow.UpdatedAt);
    }
}

/// <summary>What a <see cref="FlowStateChange"/> announces.</summary>
public enum FlowStateChangeKind
{
    /// <summary>A version was published (and is live at once when the flow was running).</summary>
    Published,

    /// <summary>The flow was started on its latest version.</summary>
    Started,

    /// <summary>The flow was stopped: its hook accepts nothing any more.</summary>
    Stopped,
}
