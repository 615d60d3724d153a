using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>
/// The in-process queue: at most <see cref="WebhookFlowsOptions.QueueCapacity"/> ready messages, handed out round-robin across
/// flows (<see cref="ReadyMessages"/>). A message with <see cref="QueuedMessage.NotBefore"/> in the future waits on a
/// <see cref="TimeProvider"/> timer and becomes ready when due. Messages live only as long as the process.
/// </summary>
internal sealed class InMemoryFlowQueue(IOptions<WebhookFlowsOptions> options, TimeProvider time) : IFlowQueue, IDisposable
{
    private readonly ReadyMessages _ready = new();
    private readonly int _capacity = options.Value.QueueCapacity;
    private readonly CancellationTokenSource _disposed = new();

    public int Count => _ready.Count;

    public ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var delay = message.NotBefore is { } due ? due - time.GetUtcNow() : TimeSpan.Zero;
        if (delay <= TimeSpan.Zero)
        {
            return new(_ready.TryAdd(message, _capacity));
        }

        // A delayed message (a rebound) was accepted long ago: it is never refused, and joins the ready ones when due even
        // when they fill the capacity. The timer starts now, so the delay counts from the enqueue, not from when a thread gets to it.
        _ = EnqueueWhenDueAsync(Task.Delay(delay, time, _disposed.Token), message);
        return new(true);
    }

    private async Task EnqueueWhenDueAsync(Task due, QueuedMessage message)
    {
        try
        {
            await due.ConfigureAwait(false);
            _ready.Add(message);
        }
        catch (OperationCanceledException)
        {
            // The host is shutting down: in-memory messages end with the process.
        }
    }

    public ValueTask<QueuedMessage> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default) =>
        _ready.TakeAsync(admission, cancellationToken);

    public ValueTask AcknowledgeAsync(QueuedMessage message, CancellationToken cancellationToken = default) => default;

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
