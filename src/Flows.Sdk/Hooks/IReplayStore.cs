namespace Flows.Sdk.Hooks;

/// <summary>
/// The replay store: which sender message ids (from valid signatures) each flow accepted within a window, and the request id
/// of the first delivery, so that a replayed or retried message is acknowledged again with that request id instead of being
/// run twice. The hook registers an id after the request is authenticated and before the message is queued, and forgets it
/// when the message could not be queued after all.
/// </summary>
/// <remarks>
/// Every implementation keeps these guarantees (the replay store contract tests check them):
/// <list type="bullet">
/// <item>Atomic per flow and message id: of concurrent registrations of one id, exactly one is first; every other one gets
/// the first one's request id.</item>
/// <item>A registration is reported for its whole window (from the moment it was made) and not after it: a delivery after
/// the window is a first delivery again.</item>
/// <item>Ids are per flow: the same message id sent to two flows is two first deliveries.</item>
/// <item><see cref="ForgetAsync"/> removes only the registration made by that request id, so a late forget never removes a
/// later first delivery.</item>
/// <item>A durable store remembers its registrations across restarts: it records a registration no later than the message
/// queued after it, so a message whose <c>200</c> the sender got is never run again for a replay.</item>
/// </list>
/// The in-process default forgets everything at a restart, and keeps at most a bounded number of ids (the oldest are dropped
/// first); the signature's timestamp tolerance still limits replays to the window.
/// </remarks>
public interface IReplayStore
{
    /// <summary>
    /// Records the first delivery of <paramref name="messageId"/> to <paramref name="flowId"/>, or reports that it was already
    /// registered within its window.
    /// </summary>
    /// <param name="flowId">The flow the message was sent to.</param>
    /// <param name="messageId">The sender's message id (from an authenticated request).</param>
    /// <param name="requestId">This delivery's request id.</param>
    /// <param name="window">How long the id is remembered from now: positive.</param>
    /// <param name="cancellationToken">Cancels the registration.</param>
    /// <returns>A first delivery (with <paramref name="requestId"/>), or a replay with the first delivery's request id.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is not positive.</exception>
    /// <exception cref="Storage.StorageUnavailableException">A durable store cannot work for now (the hook answers <c>503</c>).</exception>
    ValueTask<ReplayRegistration> TryRegisterAsync(string flowId, string messageId, string requestId, TimeSpan window, CancellationToken cancellationToken = default);

    /// <summary>
    /// Forgets the registration made by <paramref name="requestId"/> (its message could not be queued), so the sender's next
    /// delivery is taken as a first one. A registration made by another request is left alone.
    /// </summary>
    /// <param name="flowId">The flow the message was sent to.</param>
    /// <param name="messageId">The sender's message id.</param>
    /// <param name="requestId">The request id that registered it.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask ForgetAsync(string flowId, string messageId, string requestId, CancellationToken cancellationToken = default);
}

/// <summary>The outcome of <see cref="IReplayStore.TryRegisterAsync"/>.</summary>
/// <param name="IsFirst"><see langword="true"/> for a first delivery; <see langword="false"/> for a replay within the window.</param>
/// <param name="FirstRequestId">The request id of the first delivery (this delivery's own when <paramref name="IsFirst"/>).</param>
public readonly record struct ReplayRegistration(bool IsFirst, string FirstRequestId);
