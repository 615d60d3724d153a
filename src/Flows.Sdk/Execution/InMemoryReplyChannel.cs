using System.Collections.Concurrent;
using Flows.Sdk.Components;

namespace Flows.Sdk.Execution;

/// <summary>
/// The in-process <see cref="IReplyChannel"/>: a reply reaches the hook of the same process. Each wait is a task completed by
/// the first outcome; time comes from the host's <see cref="TimeProvider"/>.
/// </summary>
internal sealed class InMemoryReplyChannel(TimeProvider time) : IReplyChannel
{
    private readonly TimeProvider _time = time;
    private readonly ConcurrentDictionary<string, Wait> _waiting = new(StringComparer.Ordinal);

    /// <summary>How many waits are registered (tests check that none is left behind).</summary>
    public int Count => _waiting.Count;

    public ValueTask<IReplyWait> RegisterAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        var wait = new Wait(this, executionId);
        if (!_waiting.TryAdd(executionId, wait))
        {
            throw new InvalidOperationException($"A wait for the reply of execution '{executionId}' is already registered.");
        }

        return new(wait);
    }

    public ValueTask<bool> PublishAsync(string executionId, HttpReply reply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reply);
        return new(Complete(executionId, new ReplyOutcome(reply, null)));
    }

    public ValueTask AbandonAsync(string executionId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        Complete(executionId, new ReplyOutcome(null, reason));
        return default;
    }

    private bool Complete(string executionId, ReplyOutcome outcome) =>
        _waiting.TryRemove(executionId, out var wait) && wait.Source.TrySetResult(outcome);

    private sealed class Wait(InMemoryReplyChannel channel, string executionId) : IReplyWait
    {
        public TaskCompletionSource<ReplyOutcome> Source { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string ExecutionId => executionId;

        public async ValueTask<ReplyOutcome?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
            try
            {
                return await Source.Task.WaitAsync(timeout, channel._time, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        public ValueTask DisposeAsync()
        {
            // Only this wait's own registration: a disposed wait never removes a later one for the same id.
            channel._waiting.TryRemove(new KeyValuePair<string, Wait>(executionId, this));
            return default;
        }
    }
}
