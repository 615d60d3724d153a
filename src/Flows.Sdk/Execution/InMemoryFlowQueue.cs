using System.Threading.Channels;
using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>The in-process queue: a bounded channel. Messages live only as long as the process.</summary>
internal sealed class InMemoryFlowQueue : IFlowQueue
{
    private readonly Channel<QueuedMessage> _channel;

    public InMemoryFlowQueue(IOptions<WebhookFlowsOptions> options)
    {
        _channel = Channel.CreateBounded<QueuedMessage>(new BoundedChannelOptions(options.Value.QueueCapacity)
        {
            FullMode = BoundedChannelFullMode.Wait,
            SingleReader = false,
            SingleWriter = false,
        });
    }

    public int Count => _channel.Reader.Count;

    public ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default) =>
        new(_channel.Writer.TryWrite(message));

    public ValueTask<QueuedMessage> DequeueAsync(CancellationToken cancellationToken = default) =>
        _channel.Reader.ReadAsync(cancellationToken);

    public ValueTask AcknowledgeAsync(QueuedMessage message, CancellationToken cancellationToken = default) => default;
}
