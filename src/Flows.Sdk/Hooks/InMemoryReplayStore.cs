namespace Flows.Sdk.Hooks;

/// <summary>
/// The in-process <see cref="IReplayStore"/>: remembers which (flow, message id) pairs were accepted, and the request id of the
/// first delivery, for each registration's window. Time comes from a <see cref="TimeProvider"/>. Memory is bounded: expired
/// entries are dropped as time passes, and when <see cref="Capacity"/> entries are kept the oldest is dropped (a flood of
/// distinct ids can thus push out old ones; the signature's timestamp tolerance still limits replays). Forgets everything
/// at a restart. Thread-safe.
/// </summary>
internal sealed class InMemoryReplayStore : IReplayStore
{
    /// <summary>The default capacity: 100,000 entries (a few tens of MiB at most).</summary>
    public const int DefaultCapacity = 100_000;

    private readonly TimeProvider _time;
    private readonly Dictionary<(string FlowId, string MessageId), Entry> _entries = [];
    private readonly Queue<((string FlowId, string MessageId) Key, long Sequence)> _order = new();
    private readonly object _lock = new();
    private long _sequence;

    public InMemoryReplayStore(TimeProvider time)
        : this(time, DefaultCapacity)
    {
    }

    public InMemoryReplayStore(TimeProvider time, int capacity)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        _time = time;
        Capacity = capacity;
    }

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

    public ValueTask<ReplayRegistration> TryRegisterAsync(
        string flowId, string messageId, string requestId, TimeSpan window, CancellationToken cancellationToken = default) =>
        new(TryRegister(flowId, messageId, requestId, window));

    public ValueTask ForgetAsync(string flowId, string messageId, string requestId, CancellationToken cancellationToken = default)
    {
        Forget(flowId, messageId, requestId);
        return default;
    }

    /// <summary>Records a first delivery or reports a replay within the window (see <see cref="IReplayStore.TryRegisterAsync"/>).</summary>
    public ReplayRegistration TryRegister(string flowId, string messageId, string requestId, TimeSpan window)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var now = _time.GetUtcNow();
        var key = (flowId, messageId);
        lock (_lock)
        {
            EvictExpired(now);

            // Entries with a shorter window than the ones before them are not at the front yet: their expiry is checked here.
            if (_entries.TryGetValue(key, out var existing) && existing.ExpiresAt > now)
            {
                return new ReplayRegistration(false, existing.RequestId);
            }

            while (_entries.Count >= Capacity && _order.TryDequeue(out var oldest))
            {
                RemoveIfCurrent(oldest.Key, oldest.Sequence);
            }

            var sequence = ++_sequence;
            _entries[key] = new Entry(requestId, now + window, sequence);
            _order.Enqueue((key, sequence));
            return new ReplayRegistration(true, requestId);
        }
    }

    /// <summary>Forgets the registration made by <paramref name="requestId"/>, if it is still the current one.</summary>
    public void Forget(string flowId, string messageId, string requestId)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
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
        // Entries are queued in registration order; with one window for all (the usual case) that is expiry order. An entry
        // with a longer window stops the sweep until it expires; lookups check each entry's own expiry, and the capacity
        // bounds memory whatever the windows.
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
