using System.Threading.Channels;
using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>
/// The in-process queue: a bounded channel. A message with <see cref="QueuedMessage.NotBefore"/> in the future waits on a
/// <see cref="TimeProvider"/> timer and joins the channel when due. Messages live only as long as the process.
/// </summary>
internal sealed class InMemoryFlowQueue(IOptions<WebhookFlowsOptions> options, TimeProvider time) : IFlowQueue, IDisposable
{
    private readonly Channel<QueuedMessage> _channel = Channel.CreateBounded<QueuedMessage>(new BoundedChannelOptions(options.Value.QueueCapacity)
    {
        FullMode = BoundedChannelFullMode.Wait,
        SingleReader = false,
        SingleWriter = false,
    });

    private readonly CancellationTokenSource _disposed = new();

    public int Count => _channel.Reader.Count;

    public ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        var delay = message.NotBefore is { } due ? due - time.GetUtcNow() : TimeSpan.Zero;
        if (delay <= TimeSpan.Zero)
        {
            return new(_channel.Writer.TryWrite(message));
        }

        // A delayed message (a rebound) was accepted long ago: it waits for room rather than being refused.
        // The timer starts now, so the delay counts from the enqueue, not from when a thread gets to it.
        _ = EnqueueWhenDueAsync(Task.Delay(delay, time, _disposed.Token), message);
        return new(true);
    }

    private async Task EnqueueWhenDueAsync(Task due, QueuedMessage message)
    {
        try
        {
            await due.ConfigureAwait(false);
            await _channel.Writer.WriteAsync(message, _disposed.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            // The host is shutting down: in-memory messages end with the process.
        }
    }

    public ValueTask<QueuedMessage> DequeueAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAsync(cancellationToken);

    public ValueTask AcknowledgeAsync(QueuedMessage message, CancellationToken cancellationToken = default) => default;

    public void Dispose()
    {
        _disposed.Cancel();
        _disposed.Dispose();
    }
}
