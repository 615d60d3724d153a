using Flows.Sdk.Components;

namespace Flows.Sdk.Execution;

/// <summary>
/// The reply channel between a hook that waits for its flow's HTTP reply and the worker that runs the reply step, wherever
/// each runs. The hook registers its wait for the execution id before it queues the message; the worker publishes the reply
/// (the reply step) or the abandonment (the execution ended without one); the hook gets the first of them, or times out.
/// </summary>
/// <remarks>
/// Every implementation keeps these guarantees (the reply channel contract tests check them):
/// <list type="bullet">
/// <item>A wait registered before the reply is published gets it, even when the reply is published before the hook starts
/// waiting: registration happens before the message is queued, so no reply can be earlier than its wait.</item>
/// <item>The first outcome wins: a reply after an abandonment (or the reverse) is dropped, and each wait gets one outcome.</item>
/// <item>An outcome for an execution nobody waits for (never registered, or the wait was disposed) is dropped:
/// <see cref="PublishAsync"/> returns <see langword="false"/> when the channel knows that.</item>
/// <item>Waits are per execution id: an outcome reaches only the wait of its own execution.</item>
/// </list>
/// The in-process default reaches waits of the same process only; a distributed channel carries the outcome to the node whose
/// hook registered the wait.
/// </remarks>
public interface IReplyChannel
{
    /// <summary>Registers the hook's wait for <paramref name="executionId"/>; call before its message is queued.</summary>
    /// <param name="executionId">The execution whose reply the hook waits for.</param>
    /// <param name="cancellationToken">Cancels the registration.</param>
    /// <returns>The wait; dispose it when the hook stops waiting (answered, timed out, or the message was refused).</returns>
    /// <exception cref="InvalidOperationException">A wait for <paramref name="executionId"/> is already registered.</exception>
    ValueTask<IReplyWait> RegisterAsync(string executionId, CancellationToken cancellationToken = default);

    /// <summary>Publishes the execution's HTTP reply to the hook that waits for it.</summary>
    /// <param name="executionId">The execution that replies.</param>
    /// <param name="reply">The reply.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    /// <returns>
    /// <see langword="false"/> when the channel knows that nobody waits (any more) or the wait already has its outcome;
    /// <see langword="true"/> when the reply was delivered or handed on to the waiting node.
    /// </returns>
    ValueTask<bool> PublishAsync(string executionId, HttpReply reply, CancellationToken cancellationToken = default);

    /// <summary>Tells the waiting hook that the execution ended without a reply (it answers <c>502</c> with the reason).</summary>
    /// <param name="executionId">The execution.</param>
    /// <param name="reason">Why there is no reply, for the caller.</param>
    /// <param name="cancellationToken">Cancels the call.</param>
    ValueTask AbandonAsync(string executionId, string reason, CancellationToken cancellationToken = default);
}

/// <summary>A hook's registered wait for one execution's reply (from <see cref="IReplyChannel.RegisterAsync"/>).</summary>
public interface IReplyWait : IAsyncDisposable
{
    /// <summary>The execution whose reply is awaited.</summary>
    string ExecutionId { get; }

    /// <summary>Waits for the reply or the abandonment, at most <paramref name="timeout"/>.</summary>
    /// <param name="timeout">How long to wait: positive.</param>
    /// <param name="cancellationToken">Cancels the wait (throws <see cref="OperationCanceledException"/>).</param>
    /// <returns>The outcome, or <see langword="null"/> when <paramref name="timeout"/> passed first.</returns>
    ValueTask<ReplyOutcome?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default);
}

/// <summary>What a waiting hook gets: the flow's reply, or why there is none.</summary>
/// <param name="Reply">The reply; <see langword="null"/> when the execution ended without one.</param>
/// <param name="FailureReason">Why there is no reply; <see langword="null"/> with a reply.</param>
public sealed record ReplyOutcome(HttpReply? Reply, string? FailureReason);
