using System.Threading.Channels;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// The <see cref="IFlowStateFeed"/> across nodes, over the fanout exchange <c>{prefix}.state</c>: every node binds its own
/// exclusive, server-named queue to it. A change is delivered to this node's subscribers before <see cref="PublishAsync"/>
/// returns (as in process), and published to the exchange in the background, again and again while the broker is away, so the
/// caller (who committed the change already) never fails for the feed. A node gets other nodes' changes within the broker's
/// round trip; per flow, a change older than one delivered is superseded (so a repeated or late change does nothing).
/// </summary>
internal sealed class RabbitMqFlowStateFeed : IFlowStateFeed, IAsyncDisposable
{
    private readonly RabbitMqConnection _connection;
    private readonly ILogger<RabbitMqFlowStateFeed> _logger;
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _delivered = new(StringComparer.Ordinal);
    private readonly Channel<FlowStateChange> _outbox = Channel.CreateUnbounded<FlowStateChange>(new UnboundedChannelOptions { SingleReader = true });
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Subscription[] _subscribers = [];
    private Task? _running;

    public RabbitMqFlowStateFeed(RabbitMqConnection connection, ILogger<RabbitMqFlowStateFeed> logger)
    {
        _connection = connection;
        _logger = logger;
    }

    public ValueTask PublishAsync(FlowStateChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        Start();
        Deliver(change);
        _outbox.Writer.TryWrite(change);
        return default;
    }

    public IDisposable Subscribe(Action<FlowStateChange> subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        Start();
        var subscription = new Subscription(this, subscriber);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>Completes once this node's queue is bound to the exchange (changes published from then on reach it).</summary>
    internal Task Listening => _listening.Task;

    /// <summary>Starts listening and publishing (once): at host start, or at the first use.</summary>
    public void Start()
    {
        if (_running is not null)
        {
            return;
        }

        lock (_lock)
        {
            _running ??= Task.Run(RunAsync);
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _outbox.Writer.TryComplete();
        if (_running is { } running)
        {
            await running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    private async Task RunAsync()
    {
        var stopping = _stopping.Token;
        IChannel? channel = null;
        try
        {
            // Listen first (again and again until the broker is there), then publish the outbox in order.
            while (channel is null)
            {
                try
                {
                    channel = await ListenAsync(stopping).ConfigureAwait(false);
                    _listening.TrySetResult();
                }
                catch (Exception e) when (e is StorageUnavailableException || RabbitMqConnection.IsBrokerFault(e, stopping))
                {
                    Log.ConsumerNotStarted(_logger, "flow-state feed", e);
                    await Task.Delay(_connection.Options.RecoveryInterval, stopping).ConfigureAwait(false);
                }
            }

            await foreach (var change in _outbox.Reader.ReadAllAsync(stopping).ConfigureAwait(false))
            {
                var properties = new BasicProperties
                {
                    ContentType = "application/json",
                    Headers = new Dictionary<string, object?> { [RabbitMessageCodec.NodeHeader] = _connection.NodeName },
                };
                var body = RabbitMessageCodec.EncodeChange(change);
                while (!await _connection.TryPublishAsync(_connection.Topology.StateExchange, string.Empty, mandatory: false, properties, body, stopping).ConfigureAwait(false))
                {
                    Log.StateChangeNotPublished(_logger, change.FlowId);
                    await Task.Delay(_connection.Options.RecoveryInterval, stopping).ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // stopping
        }
        finally
        {
            channel?.Dispose();
        }
    }

    private async Task<IChannel> ListenAsync(CancellationToken cancellationToken)
    {
        var channel = await _connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var queue = await channel.QueueDeclareAsync(string.Empty, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
            await channel.QueueBindAsync(queue.QueueName, _connection.Topology.StateExchange, string.Empty, cancellationToken: cancellationToken).ConfigureAwait(false);
            var consumer = new AsyncEventingBasicConsumer(channel);
            consumer.ReceivedAsync += OnChangeAsync;
            await channel.BasicConsumeAsync(queue.QueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            return channel;
        }
        catch
        {
            channel.Dispose();
            throw;
        }
    }

    private Task OnChangeAsync(object sender, BasicDeliverEventArgs delivery)
    {
        if (RabbitMessageCodec.Header(delivery.BasicProperties, RabbitMessageCodec.NodeHeader) == _connection.NodeName)
        {
            return Task.CompletedTask; // delivered here when it was published
        }

        try
        {
            Deliver(RabbitMessageCodec.DecodeChange(delivery.Body.Span));
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or ArgumentException or InvalidDataException or FormatException)
        {
            Log.Unreadable(_logger, _connection.Topology.StateExchange, e);
        }

        return Task.CompletedTask;
    }

    private void Deliver(FlowStateChange change)
    {
        lock (_lock)
        {
            if (_delivered.TryGetValue(change.FlowId, out var latest) && latest >= change.Revision)
            {
                return; // superseded
            }

            _delivered[change.FlowId] = change.Revision;
            foreach (var subscription in _subscribers)
            {
                try
                {
                    subscription.Subscriber(change);
                }
                catch (Exception e)
                {
                    Log.StateSubscriberFailed(_logger, e, change.FlowId, change.Kind.ToString());
                }
            }
        }
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Where(s => !ReferenceEquals(s, subscription)).ToArray();
        }
    }

    private sealed class Subscription(RabbitMqFlowStateFeed feed, Action<FlowStateChange> subscriber) : IDisposable
    {
        public Action<FlowStateChange> Subscriber => subscriber;

        public void Dispose() => feed.Unsubscribe(this);
    }
}
