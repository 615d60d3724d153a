namespace Flows.Sdk.Execution;

/// <summary>
/// The queue between the hook and the workers. Delivery is at least once: a message is delivered until it is acknowledged.
/// </summary>
public interface IFlowQueue
{
    /// <summary>Adds a message; returns <see langword="false"/> when the queue is full and the message was not accepted.</summary>
    ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>Waits for the next message.</summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    ValueTask<QueuedMessage> DequeueAsync(CancellationToken cancellationToken = default);

    /// <summary>Marks a message as processed; it will not be delivered again.</summary>
    ValueTask AcknowledgeAsync(QueuedMessage message, CancellationToken cancellationToken = default);

    /// <summary>The number of messages waiting.</summary>
    int Count { get; }
}
