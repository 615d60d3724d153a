namespace Flows.Sdk.Execution;

/// <summary>A message in a <see cref="LeasedFlowQueue"/> and its queue-side state, kept across its deliveries.</summary>
/// <param name="message">The message.</param>
/// <param name="seq">Where a durable queue keeps it (its row), 0 in memory.</param>
/// <param name="deliveries">How many times it was delivered so far (0 for a new message; a durable queue's count at start).</param>
public sealed class QueueEntry(QueuedMessage message, long seq, int deliveries)
{
    internal int DeliveryCounter = deliveries;
    internal volatile bool AcknowledgedFlag;

    /// <summary>The message.</summary>
    public QueuedMessage Message { get; } = message;

    /// <summary>Where a durable queue keeps the message (its row), 0 in memory.</summary>
    public long Seq { get; } = seq;

    /// <summary>How many times the message was delivered so far.</summary>
    public int Deliveries => Volatile.Read(ref DeliveryCounter);

    /// <summary>Whether a delivery of it was acknowledged: nothing of it is to be written any more.</summary>
    public bool Acknowledged => AcknowledgedFlag;
}

/// <summary>
/// The in-process half of a queue with leases, shared by the in-memory and SQLite queues: capacity, the ready messages in fair
/// order (<see cref="ReadyMessages{T}"/>), <see cref="TimeProvider"/> timers for delayed and abandoned messages, and the leases
/// (a timer per delivery; an expired lease makes its message ready again). A durable queue keeps its rows through the hooks.
/// </summary>
public abstract class LeasedFlowQueue : IFlowQueue, IDisposable
{
    private readonly ReadyMessages<QueueEntry> _ready = new(static entry => entry.Message.FlowId);
    private readonly CancellationTokenSource _disposed = new();
    private readonly int _capacity;

    // Ready messages plus new ones being kept right now: what the capacity bounds.
    private int _reserved;

    /// <summary>Creates the in-process part of a queue.</summary>
    /// <param name="capacity">How many ready messages it holds at most (<c>WebhookFlowsOptions.QueueCapacity</c>).</param>
    /// <param name="leaseDuration">How long a delivery's lease lasts (<c>WebhookFlowsOptions.QueueLeaseDuration</c>).</param>
    /// <param name="time">The clock of delays and leases.</param>
    protected LeasedFlowQueue(int capacity, TimeSpan leaseDuration, TimeProvider time)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 1);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(leaseDuration, TimeSpan.Zero);
        ArgumentNullException.ThrowIfNull(time);
        _capacity = capacity;
        LeaseDuration = leaseDuration;
        Time = time;
    }

    /// <inheritdoc/>
    public TimeSpan LeaseDuration { get; }

    /// <inheritdoc/>
    public int Count => _ready.Count;

    /// <summary>The clock of delays and leases.</summary>
    protected TimeProvider Time { get; }

    /// <summary>Cancelled when the queue is disposed (the host stops): timers end, nothing becomes ready any more.</summary>
    protected CancellationToken Stopping => _disposed.Token;

    /// <inheritdoc/>
    public async ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await BeforeUseAsync(CancellationToken.None).ConfigureAwait(false);

        // A delayed message (a rebound) was accepted long ago: it is never refused. A new one needs room.
        var delayed = IsDelayed(message);
        if (!delayed && !TryReserve())
        {
            return false;
        }

        long seq;
        try
        {
            // Not cancellable once handed to the store: the message may be kept anyway, and then it must run.
            seq = await KeepAsync(message).ConfigureAwait(false);
        }
        catch
        {
            if (!delayed)
            {
                Interlocked.Decrement(ref _reserved);
            }

            throw;
        }

        Admit(new QueueEntry(message, seq, 0), delayed);
        return true;
    }

    /// <inheritdoc/>
    public async ValueTask<IReadOnlyList<bool>> EnqueueAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(messages);
        for (var i = 0; i < messages.Count; i++)
        {
            if (messages[i] is null)
            {
                throw new ArgumentException($"Message {i} of the batch is null.", nameof(messages));
            }
        }

        await BeforeUseAsync(CancellationToken.None).ConfigureAwait(false);
        var accepted = new bool[messages.Count];
        var kept = new List<QueuedMessage>(messages.Count);
        var delayed = new List<bool>(messages.Count);
        var reserved = 0;
        var full = false;
        for (var i = 0; i < messages.Count; i++)
        {
            var isDelayed = IsDelayed(messages[i]);
            if (!isDelayed)
            {
                if (full || !TryReserve())
                {
                    full = true;
                    continue;
                }

                reserved++;
            }

            accepted[i] = true;
            kept.Add(messages[i]);
            delayed.Add(isDelayed);
        }

        if (kept.Count == 0)
        {
            return accepted;
        }

        IReadOnlyList<long> seqs;
        try
        {
            seqs = await KeepAsync(kept).ConfigureAwait(false);
        }
        catch
        {
            Interlocked.Add(ref _reserved, -reserved);
            throw;
        }

        for (var i = 0; i < kept.Count; i++)
        {
            Admit(new QueueEntry(kept[i], seqs[i], 0), delayed[i]);
        }

        return accepted;
    }

    /// <inheritdoc/>
    public async ValueTask<IFlowDelivery> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admission);
        await BeforeUseAsync(cancellationToken).ConfigureAwait(false);
        var entry = await _ready.TakeAsync(admission, cancellationToken).ConfigureAwait(false);
        Interlocked.Decrement(ref _reserved);
        var deliveries = Interlocked.Increment(ref entry.DeliveryCounter);
        var now = Time.GetUtcNow();
        var delivery = new Delivery(this, entry, deliveries);
        OnLeased(entry, deliveries, now);
        return delivery;
    }

    /// <summary>Stops the queue's timers; in-memory messages end here, a durable queue's rows stay.</summary>
    public void Dispose()
    {
        GC.SuppressFinalize(this);

        // Not disposed: timers still running may read its token.
        _disposed.Cancel();
    }

    /// <summary>Waits for what the queue needs before its first use (a durable queue: reading the rows left at start).</summary>
    /// <param name="cancellationToken">Cancels the wait (a dequeue's token).</param>
    protected virtual ValueTask BeforeUseAsync(CancellationToken cancellationToken) => default;

    /// <summary>Keeps a new message (durably, for a durable queue); returns its <see cref="QueueEntry.Seq"/>. Not cancellable: once started it may be kept.</summary>
    /// <param name="message">The message.</param>
    protected abstract ValueTask<long> KeepAsync(QueuedMessage message);

    /// <summary>Keeps new messages at once (one commit, for a durable queue); returns their <see cref="QueueEntry.Seq"/>, in order.</summary>
    /// <param name="messages">The messages.</param>
    protected abstract ValueTask<IReadOnlyList<long>> KeepAsync(IReadOnlyList<QueuedMessage> messages);

    /// <summary>A message was delivered (<paramref name="deliveries"/> times now).</summary>
    /// <param name="entry">The message.</param>
    /// <param name="deliveries">Its delivery count, this delivery included.</param>
    /// <param name="leasedAt">When it was leased.</param>
    protected virtual void OnLeased(QueueEntry entry, int deliveries, DateTimeOffset leasedAt)
    {
    }

    /// <summary>A delivery of the message was acknowledged: forget it.</summary>
    /// <param name="entry">The message.</param>
    protected virtual ValueTask OnAcknowledgedAsync(QueueEntry entry) => default;

    /// <summary>A delivery was abandoned: the message is delivered again from <paramref name="due"/> on.</summary>
    /// <param name="entry">The message.</param>
    /// <param name="due">When it is ready again.</param>
    protected virtual void OnAbandoned(QueueEntry entry, DateTimeOffset due)
    {
    }

    /// <summary>A delivery's lease expired without acknowledgement: the message is ready again.</summary>
    /// <param name="entry">The message.</param>
    protected virtual void OnLeaseExpired(QueueEntry entry)
    {
    }

    /// <summary>Makes messages accepted earlier ready (rows left by a previous process), whatever the capacity.</summary>
    /// <param name="entries">The messages, in order.</param>
    protected void Release(IReadOnlyList<QueueEntry> entries)
    {
        Interlocked.Add(ref _reserved, entries.Count);
        _ready.AddRange(entries);
    }

    /// <summary>Makes a message accepted earlier ready when <paramref name="due"/> comes (now, when it is past).</summary>
    /// <param name="entry">The message.</param>
    /// <param name="due">When it is ready.</param>
    protected void ReleaseAt(QueueEntry entry, DateTimeOffset due)
    {
        var delay = due - Time.GetUtcNow();
        if (delay <= TimeSpan.Zero)
        {
            MakeReady(entry);
        }
        else
        {
            // The timer starts now, so the delay counts from here, not from when a thread gets to it.
            _ = MakeReadyWhenDueAsync(Task.Delay(delay, Time, Stopping), entry);
        }
    }

    private bool IsDelayed(QueuedMessage message) => message.NotBefore is { } due && due > Time.GetUtcNow();

    private bool TryReserve()
    {
        if (Interlocked.Increment(ref _reserved) > _capacity)
        {
            Interlocked.Decrement(ref _reserved);
            return false;
        }

        return true;
    }

    private void Admit(QueueEntry entry, bool delayed)
    {
        if (delayed)
        {
            ReleaseAt(entry, entry.Message.NotBefore!.Value);
        }
        else
        {
            _ready.Add(entry);
        }
    }

    private void MakeReady(QueueEntry entry)
    {
        if (Stopping.IsCancellationRequested)
        {
            return; // In memory the message ends with the process; a durable queue delivers its row after the restart.
        }

        Interlocked.Increment(ref _reserved);
        _ready.Add(entry);
    }

    private async Task MakeReadyWhenDueAsync(Task due, QueueEntry entry)
    {
        try
        {
            await due.ConfigureAwait(false);
            MakeReady(entry);
        }
        catch (OperationCanceledException)
        {
            // Shutting down: see MakeReady.
        }
    }

    private ValueTask Acknowledge(QueueEntry entry)
    {
        entry.AcknowledgedFlag = true;
        return OnAcknowledgedAsync(entry);
    }

    private void Abandon(QueueEntry entry, TimeSpan delay)
    {
        var due = Time.GetUtcNow() + delay;
        OnAbandoned(entry, due);
        ReleaseAt(entry, due);
    }

    private void Expire(QueueEntry entry)
    {
        if (Stopping.IsCancellationRequested)
        {
            return;
        }

        OnLeaseExpired(entry);
        MakeReady(entry);
    }

    /// <summary>One delivery: its <see cref="DeliveryLease"/> gives the message out again if it runs out unsettled.</summary>
    private sealed class Delivery : IFlowDelivery
    {
        private readonly LeasedFlowQueue _queue;
        private readonly QueueEntry _entry;
        private readonly DeliveryLease _lease;

        public Delivery(LeasedFlowQueue queue, QueueEntry entry, int deliveryCount)
        {
            _queue = queue;
            _entry = entry;
            DeliveryCount = deliveryCount;
            _lease = new DeliveryLease(queue.Time, queue.LeaseDuration, () => queue.Expire(entry));
        }

        public QueuedMessage Message => _entry.Message;

        public int DeliveryCount { get; }

        public DateTimeOffset LeaseExpiresAt => _lease.ExpiresAt;

        public ValueTask AckAsync(CancellationToken cancellationToken = default) =>
            TrySettle() ? _queue.Acknowledge(_entry) : default;

        public ValueTask AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
            if (TrySettle())
            {
                _queue.Abandon(_entry, delay);
            }

            return default;
        }

        public ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default) => new(_lease.TryRenew());

        public override string ToString() => $"{_entry.Message.MessageId} (delivery {DeliveryCount})";

        private bool TrySettle() => _lease.TrySettle();
    }
}
