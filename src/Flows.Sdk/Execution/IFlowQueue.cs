namespace Flows.Sdk.Execution;

/// <summary>
/// The queue between the hook and the workers: the port a queue backend implements (in memory, SQLite, a broker).
/// </summary>
/// <remarks>
/// <para><b>Durability.</b> An enqueue returns only once the message is kept as durably as the backend keeps anything (the
/// in-memory queue: in the process; SQLite: committed to the file); a hook answers <c>200</c> only after that.</para>
/// <para><b>At least once.</b> A dequeue hands out a <see cref="IFlowDelivery"/>: the message under a lease. The message is
/// delivered again, with <see cref="IFlowDelivery.DeliveryCount"/> one higher, when the lease expires without
/// <see cref="IFlowDelivery.AckAsync"/> or <see cref="IFlowDelivery.RenewAsync"/>, when it is abandoned
/// (<see cref="IFlowDelivery.AbandonAsync"/>, after the delay given), and, for a durable backend, after a restart when it was not
/// acknowledged. So a consumer must be idempotent by <see cref="QueuedMessage.ExecutionId"/> (the run log records by it).</para>
/// <para><b>Ordering.</b> None is promised across flows: the flows with ready messages are served in turn (round-robin) among
/// those the <see cref="IFlowAdmission"/> admits. Within one flow, on one node, ready messages are delivered in the order they
/// became ready (FIFO); a redelivered, abandoned or delayed message becomes ready again at the end of its flow's line.</para>
/// <para><b>Capacity.</b> At most <c>WebhookFlowsOptions.QueueCapacity</c> ready messages; a new message beyond that is refused
/// (the hook answers <c>503</c>). A delayed message, a redelivery and an abandoned message were accepted earlier: they are never
/// refused and join the ready ones when due even above the capacity.</para>
/// <para><b>Delayed messages.</b> A message whose <see cref="QueuedMessage.NotBefore"/> is in the future is not ready (neither
/// delivered nor counted) until then, measured on the host's <see cref="TimeProvider"/>.</para>
/// </remarks>
public interface IFlowQueue
{
    /// <summary>Adds a message; returns <see langword="false"/> when the queue is full and the message was not accepted.</summary>
    /// <returns><see langword="true"/> once the message is kept (durable, for a durable backend).</returns>
    ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>
    /// Adds several messages at once (a durable backend keeps them in one commit). The messages are taken in order while there
    /// is room: once the queue is full the rest are refused.
    /// </summary>
    /// <returns>For each message, at the same index, whether it was accepted.</returns>
    ValueTask<IReadOnlyList<bool>> EnqueueAsync(IReadOnlyList<QueuedMessage> messages, CancellationToken cancellationToken = default);

    /// <summary>Waits for the next ready message of any flow and leases it.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<IFlowDelivery> DequeueAsync(CancellationToken cancellationToken = default) =>
        DequeueAsync(AdmitAll.Instance, cancellationToken);

    /// <summary>
    /// Waits for the next ready message of a flow that <paramref name="admission"/> admits and leases it. The flows with ready
    /// messages are taken in turn (round-robin), each flow's messages in the order they became ready; a flow the admission
    /// refuses is skipped, its messages stay. When nothing admissible is ready the call waits for a new ready message or for
    /// <see cref="IFlowAdmission.OnSlotFreed"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<IFlowDelivery> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default);

    /// <summary>How long a delivery's lease lasts from its dequeue or its latest renewal.</summary>
    TimeSpan LeaseDuration { get; }

    /// <summary>The number of messages waiting (ready to be dequeued).</summary>
    int Count { get; }
}

/// <summary>
/// A message handed out by <see cref="IFlowQueue.DequeueAsync(IFlowAdmission, CancellationToken)"/>, leased to its consumer until
/// <see cref="LeaseExpiresAt"/>. Settle it exactly once: <see cref="AckAsync"/> when done, <see cref="AbandonAsync"/> to have it
/// delivered again. A lease that expires first makes the message deliverable again (with <see cref="DeliveryCount"/> + 1); the
/// delivery is then lost to its consumer: settling or renewing it does nothing.
/// </summary>
public interface IFlowDelivery
{
    /// <summary>The message.</summary>
    QueuedMessage Message { get; }

    /// <summary>How many times the message was delivered, this delivery included: 1 on the first delivery.</summary>
    int DeliveryCount { get; }

    /// <summary>When the lease ends unless renewed.</summary>
    DateTimeOffset LeaseExpiresAt { get; }

    /// <summary>
    /// Marks the message as processed: it will not be delivered again. Call it after the outcome is recorded (the run log),
    /// so that a crash in between delivers the message again rather than losing it.
    /// </summary>
    ValueTask AckAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Gives the message back: it is delivered again (with <see cref="DeliveryCount"/> + 1) once <paramref name="delay"/> has passed
    /// (<see cref="TimeSpan.Zero"/>: at once).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="delay"/> is negative.</exception>
    ValueTask AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default);

    /// <summary>Extends the lease by <see cref="IFlowQueue.LeaseDuration"/> from now (a long execution renews it while it runs).</summary>
    /// <returns><see langword="false"/> when the delivery was settled or its lease had already expired (the message is someone else's now).</returns>
    ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default);
}

/// <summary>Admits every flow: the plain, unfair dequeue.</summary>
internal sealed class AdmitAll : IFlowAdmission
{
    public static readonly AdmitAll Instance = new();

    public bool TryAdmit(string flowId, IReadOnlyCollection<string> flowsWaiting) => true;

    public IDisposable OnSlotFreed(Action changed) => NoRegistration.Instance;

    private sealed class NoRegistration : IDisposable
    {
        public static readonly NoRegistration Instance = new();

        public void Dispose()
        {
        }
    }
}
