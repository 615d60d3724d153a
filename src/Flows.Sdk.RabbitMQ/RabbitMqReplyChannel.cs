using System.Collections.Concurrent;
using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// The <see cref="IReplyChannel"/> across nodes: each node has its own reply queue (<c>{prefix}.reply.{node}</c>, exclusive to its
/// connection). A hook's wait is registered in its node; the queue writes the node's reply queue into the AMQP <c>reply-to</c>
/// of the message it publishes, the node that runs the message learns it from the delivery, and publishes the reply (or the
/// abandonment) there. A reply to the same node completes the wait without the broker. A reply whose node is gone is returned
/// by the broker (mandatory): <see cref="PublishAsync"/> answers <see langword="false"/>.
/// </summary>
internal sealed class RabbitMqReplyChannel(RabbitMqConnection connection, TimeProvider time) : IReplyChannel, IAsyncDisposable
{
    private static readonly TimeSpan RouteLifetime = TimeSpan.FromHours(1);

    private readonly ConcurrentDictionary<string, Wait> _waiting = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, (string ReplyTo, long LearnedAt)> _routes = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _startGate = new(1, 1);
    private IChannel? _channel;
    private int _learned;

    /// <summary>This node's reply queue.</summary>
    public string QueueName => connection.Topology.ReplyQueue(connection.NodeName);

    /// <summary>How many waits are registered.</summary>
    public int Count => _waiting.Count;

    public async ValueTask<IReplyWait> RegisterAsync(string executionId, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(executionId);
        await EnsureListeningAsync(cancellationToken).ConfigureAwait(false);
        var wait = new Wait(this, executionId);
        if (!_waiting.TryAdd(executionId, wait))
        {
            throw new InvalidOperationException($"A wait for the reply of execution '{executionId}' is already registered.");
        }

        return wait;
    }

    public async ValueTask<bool> PublishAsync(string executionId, HttpReply reply, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var outcome = new ReplyOutcome(reply, null);
        if (Complete(executionId, outcome))
        {
            return true;
        }

        return await SendAsync(executionId, "reply", RabbitMessageCodec.EncodeReply(reply), cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask AbandonAsync(string executionId, string reason, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(reason);
        if (!Complete(executionId, new ReplyOutcome(null, reason)))
        {
            await SendAsync(executionId, "abandon", RabbitMessageCodec.EncodeText(reason), cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>The reply queue to write into a message of <paramref name="executionId"/>: this node's when it waits, else the one learned.</summary>
    internal string? ReplyAddressFor(string executionId) =>
        _waiting.ContainsKey(executionId) ? QueueName
        : _routes.TryGetValue(executionId, out var route) ? route.ReplyTo
        : null;

    /// <summary>A delivery of <paramref name="executionId"/> carries the reply queue of the node whose hook waits.</summary>
    internal void Learn(string executionId, string? replyTo)
    {
        if (string.IsNullOrEmpty(replyTo) || replyTo == QueueName)
        {
            return;
        }

        _routes[executionId] = (replyTo, time.GetTimestamp());
        if (Interlocked.Increment(ref _learned) % 1024 == 0)
        {
            foreach (var (id, route) in _routes)
            {
                if (time.GetElapsedTime(route.LearnedAt) > RouteLifetime)
                {
                    _routes.TryRemove(id, out _);
                }
            }
        }
    }

    /// <summary>Starts this node's reply queue and its consumer (once; again after a failure).</summary>
    internal async ValueTask EnsureListeningAsync(CancellationToken cancellationToken)
    {
        if (_channel is not null)
        {
            return;
        }

        await _startGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_channel is not null)
            {
                return;
            }

            var channel = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
            try
            {
                await channel.QueueDeclareAsync(QueueName, durable: false, exclusive: true, autoDelete: true, cancellationToken: cancellationToken).ConfigureAwait(false);
                var consumer = new AsyncEventingBasicConsumer(channel);
                consumer.ReceivedAsync += OnReplyAsync;
                await channel.BasicConsumeAsync(QueueName, autoAck: true, consumer, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (RabbitMqConnection.IsBrokerFault(e, cancellationToken))
            {
                channel.Dispose();
                throw connection.Unavailable("The reply queue could not be set up", e);
            }

            _channel = channel;
        }
        finally
        {
            _startGate.Release();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_channel is { } channel)
        {
            _channel = null;
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (RabbitMqConnection.IsBrokerFault(e, CancellationToken.None))
            {
                // gone with the connection
            }

            channel.Dispose();
        }
    }

    private async ValueTask<bool> SendAsync(string executionId, string kind, byte[] body, CancellationToken cancellationToken)
    {
        if (!_routes.TryRemove(executionId, out var route))
        {
            return false;
        }

        var properties = new BasicProperties
        {
            CorrelationId = executionId,
            Headers = new Dictionary<string, object?> { [RabbitMessageCodec.ReplyKindHeader] = kind },
        };

        // Mandatory: when the waiting node is gone (its reply queue with it) the broker returns the reply and this answers false.
        return await connection.TryPublishAsync(string.Empty, route.ReplyTo, mandatory: true, properties, body, cancellationToken).ConfigureAwait(false);
    }

    private Task OnReplyAsync(object sender, BasicDeliverEventArgs delivery)
    {
        var executionId = delivery.BasicProperties.CorrelationId;
        if (executionId is null)
        {
            return Task.CompletedTask;
        }

        var kind = RabbitMessageCodec.Header(delivery.BasicProperties, RabbitMessageCodec.ReplyKindHeader);
        var outcome = kind == "reply"
            ? new ReplyOutcome(RabbitMessageCodec.DecodeReply(delivery.Body.Span), null)
            : new ReplyOutcome(null, RabbitMessageCodec.DecodeText(delivery.Body.Span));
        Complete(executionId, outcome);
        return Task.CompletedTask;
    }

    private bool Complete(string executionId, ReplyOutcome outcome) =>
        _waiting.TryRemove(executionId, out var wait) && wait.Source.TrySetResult(outcome);

    private sealed class Wait(RabbitMqReplyChannel channel, string executionId) : IReplyWait
    {
        public TaskCompletionSource<ReplyOutcome> Source { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public string ExecutionId => executionId;

        public async ValueTask<ReplyOutcome?> WaitAsync(TimeSpan timeout, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(timeout, TimeSpan.Zero);
            try
            {
                return await Source.Task.WaitAsync(timeout, channel.TimeProvider, cancellationToken).ConfigureAwait(false);
            }
            catch (TimeoutException)
            {
                return null;
            }
        }

        public ValueTask DisposeAsync()
        {
            channel._waiting.TryRemove(new KeyValuePair<string, Wait>(executionId, this));
            return default;
        }
    }

    private TimeProvider TimeProvider => time;
}
