using System.Collections.Concurrent;
using Flows.Sdk.Components;

namespace Flows.Sdk.Execution;

/// <summary>
/// Connects a hook that waits for a flow's HTTP reply with the execution that sends it. In-process: a reply reaches the
/// hook of the same host.
/// </summary>
internal sealed class ReplyBroker
{
    private readonly ConcurrentDictionary<string, TaskCompletionSource<ReplyOutcome>> _waiting = new(StringComparer.Ordinal);

    /// <summary>Registers a hook's wait for <paramref name="executionId"/>; call before the message is queued.</summary>
    public Task<ReplyOutcome> Register(string executionId)
    {
        var source = new TaskCompletionSource<ReplyOutcome>(TaskCreationOptions.RunContinuationsAsynchronously);
        _waiting[executionId] = source;
        return source.Task;
    }

    /// <summary>Stops waiting (the hook gave up or the message was refused).</summary>
    public void Unregister(string executionId) => _waiting.TryRemove(executionId, out _);

    /// <summary>Delivers the reply; returns false when nobody waits (any more).</summary>
    public bool Reply(string executionId, HttpReply reply) => Complete(executionId, new ReplyOutcome(reply, null));

    /// <summary>Tells the waiting hook that the execution ended without a reply.</summary>
    public void Abandon(string executionId, string reason) => Complete(executionId, new ReplyOutcome(null, reason));

    private bool Complete(string executionId, ReplyOutcome outcome) =>
        _waiting.TryRemove(executionId, out var source) && source.TrySetResult(outcome);
}

/// <summary>A reply, or why there is none.</summary>
internal sealed record ReplyOutcome(HttpReply? Reply, string? FailureReason);
