namespace Flows.Sdk.Execution;

/// <summary>
/// The queue between the hook and the workers. Delivery is at least once: a message is delivered until it is acknowledged.
/// Messages with a <see cref="QueuedMessage.NotBefore"/> in the future are not ready (not delivered, not counted) until then.
/// </summary>
public interface IFlowQueue
{
    /// <summary>Adds a message; returns <see langword="false"/> when the queue is full and the message was not accepted.</summary>
    ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>Waits for the next ready message of any flow.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<QueuedMessage> DequeueAsync(CancellationToken cancellationToken = default) =>
        DequeueAsync(AdmitAll.Instance, cancellationToken);

    /// <summary>
    /// Waits for the next ready message of a flow that <paramref name="admission"/> admits. The flows with ready messages are
    /// taken in turn (round-robin), each flow's messages in the order they became ready; a flow the admission refuses is
    /// skipped, its messages stay. When nothing admissible is ready the call waits for a new ready message or for
    /// <see cref="IFlowAdmission.OnSlotFreed"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<QueuedMessage> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default);

    /// <summary>Marks a message as processed; it will not be delivered again.</summary>
    ValueTask AcknowledgeAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>The number of messages waiting (ready to be dequeued).</summary>
    int Count { get; }
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
