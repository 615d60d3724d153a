namespace Flows.Sdk.Credentials;

/// <summary>
/// Remembers which (flow, message id) pairs were already accepted, and the request id of the first delivery, for the
/// timestamp tolerance window: a replayed or retried signed message within the window is recognised and can be answered
/// with the first request id instead of being run twice. Time comes from a <see cref="TimeProvider"/>. Memory is bounded:
/// expired entries are dropped as time passes, and when <see cref="Capacity"/> live entries are reached the oldest is
/// dropped (a flood of distinct ids can thus push out old ones; the signature's timestamp tolerance still limits replays).
/// Thread-safe.
/// </summary>
internal sealed class ReplayCache
{
    /// <summary>The default capacity: 100,000 entries (a few tens of MiB at most).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly TimeProvider _time;
    private readonly Dictionary<(string FlowId, string MessageId), Entry> _entries = [];
    private readonly Queue<((string FlowId, string MessageId) Key, long Sequence)> _order = new();
    private readonly object _lock = new();
    private long _sequence;

    public ReplayCache(TimeProvider time, TimeSpan window, int capacity = DefaultCapacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Window = window;
        Capacity = capacity;
    }

    /// <summary>
    /// The window that covers every replay a signature with <paramref name="tolerance"/> accepts: a timestamp is accepted
    /// from <c>t - tolerance</c> to <c>t + tolerance</c>, so a message first seen at the earliest moment can be replayed
    /// for twice the tolerance.
    /// </summary>
    public static TimeSpan WindowFor(TimeSpan tolerance) => tolerance + tolerance;

    /// <summary>How long a message id is remembered after its first delivery.</summary>
    public TimeSpan Window { get; }

    /// <summary>The most entries kept at once.</summary>
    public int Capacity { get; }

    /// <summary>The number of entries currently kept (expired ones may still count until the next call).</summary>
    public int Count
    {
        get
        {
            lock (_lock)
            {
                return _entries.Count;
            }
        }
    }

    /// <summary>
    /// Records the first delivery of <paramref name="messageId"/> for <paramref name="flowId"/>, or reports that it was
    /// already seen within the window.
    /// </summary>
    /// <param name="flowId">The flow the message was sent to.</param>
    /// <param name="messageId">The sender's message id (from a valid signature).</param>
    /// <param name="requestId">This delivery's request id.</param>
    /// <param name="firstRequestId">The request id of the first delivery (equal to <paramref name="requestId"/> when this is it).</param>
    /// <returns><see langword="true"/> for a first delivery; <see langword="false"/> for a replay within the window.</returns>
    public bool TryRegister(string flowId, string messageId, string requestId, out string firstRequestId)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(requestId);
        var now = _time.GetUtcNow();
        var key = (flowId, messageId);
        lock (_lock)
        {
            EvictExpired(now);
            if (_entries.TryGetValue(key, out var existing))
            {
                firstRequestId = existing.RequestId;
                return false;
            }

            while (_entries.Count >= Capacity && _order.TryDequeue(out var oldest))
            {
                RemoveIfCurrent(oldest.Key, oldest.Sequence);
            }

            var sequence = ++_sequence;
            _entries[key] = new Entry(requestId, now + Window, sequence);
            _order.Enqueue((key, sequence));
            firstRequestId = requestId;
            return true;
        }
    }

    /// <summary>
    /// Forgets a registration made by <paramref name="requestId"/> (its message could not be accepted after all), so that the
    /// sender's next delivery is taken as a first one.
    /// </summary>
    public void Forget(string flowId, string messageId, string requestId)
    {
        lock (_lock)
        {
            if (_entries.TryGetValue((flowId, messageId), out var entry) && entry.RequestId == requestId)
            {
                _entries.Remove((flowId, messageId));
            }
        }
    }

    /// <summary>Drops the entries whose window has passed.</summary>
    public void EvictExpired()
    {
        var now = _time.GetUtcNow();
        lock (_lock)
        {
            EvictExpired(now);
        }
    }

    private void EvictExpired(DateTimeOffset now)
    {
        // Entries are queued in registration order and share one window, so expiry order is queue order.
        while (_order.TryPeek(out var oldest))
        {
            if (_entries.TryGetValue(oldest.Key, out var entry) && entry.Sequence == oldest.Sequence && entry.ExpiresAt > now)
            {
                return;
            }

            _order.Dequeue();
            RemoveIfCurrent(oldest.Key, oldest.Sequence);
        }
    }

    private void RemoveIfCurrent((string FlowId, string MessageId) key, long sequence)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Sequence == sequence)
        {
            _entries.Remove(key);
        }
    }

    private readonly record struct Entry(string RequestId, DateTimeOffset ExpiresAt, long Sequence);
}
