using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// The <see cref="IFlowQueue"/> on RabbitMQ. A message is published persistent to its flow's work queue (a quorum queue, one of
/// <see cref="RabbitMqOptions.Partitions"/>) and the enqueue returns after the broker's publisher confirm; concurrent enqueues
/// share one confirming channel, so the broker confirms them together. A node consumes every work queue with a prefetch of four
/// times its <c>MaxConcurrency</c>; what it received waits in its own <see cref="ReadyMessages{T}"/>, where the workers'
/// <see cref="IFlowAdmission"/> takes flows in turn. The message is acknowledged to the broker only when the run is recorded.
/// </summary>
/// <remarks>
/// <para><b>Leases.</b> A delivery's lease is held by the node: the broker keeps the message unacknowledged for as long as the
/// node's connection lives. The lease's timer (<see cref="IFlowQueue.LeaseDuration"/>, on the host's <see cref="TimeProvider"/>)
/// returns the message to the broker (<c>basic.nack</c> with requeue) when it runs out unrenewed; renewal is local. A node that
/// dies ends all its leases at once: the broker returns its unacknowledged messages. Every return counts in the quorum queue's
/// <c>x-delivery-count</c>; past <see cref="RabbitMqOptions.DeliveryLimit"/> the broker dead-letters the message.</para>
/// <para><b>Delays.</b> A delayed message (a rebound's <see cref="QueuedMessage.NotBefore"/>, an abandon with a delay) is published
/// to the delayed queue with its due time; a node holds it there (unacknowledged) until due and then moves it to its work queue,
/// or, when it is due later than <see cref="RabbitMqOptions.DelayHop"/>, sends it through the hop queue (a fixed TTL that
/// dead-letters back). So a delay survives a restart: the held message goes back to the delayed queue with its due time.</para>
/// <para><b>Capacity.</b> Each work queue holds at most <c>QueueCapacity</c> ready messages (<c>x-max-length</c>,
/// <c>reject-publish</c>): a new message beyond is refused by the broker's nack. Messages a node prefetched are not counted by
/// the broker. A due delayed message waits in the delayed queue while its work queue is full.</para>
/// </remarks>
internal sealed class RabbitMqFlowQueue : IFlowQueue, IAsyncDisposable
{
    private readonly RabbitMqConnection _connection;
    private readonly RabbitMqReplyChannel _replies;
    private readonly ILogger<RabbitMqFlowQueue> _logger;
    private readonly ReadyMessages<Entry> _ready = new(static entry => entry.Message.FlowId);
    private readonly CancellationTokenSource _stopping = new();
    private readonly SemaphoreSlim _settleGate = new(1, 1);
    private readonly ushort _prefetch;
    private readonly object _startLock = new();
    private readonly TaskCompletionSource _backlogArrived = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly SemaphoreSlim _countGate = new(1, 1);
    private readonly Gauge[] _gauges;
    private readonly int _capacity;
    private Task? _consuming;
    private IChannel? _workChannel;
    private IChannel? _delayChannel;
    private IChannel? _countChannel;
    private int _generation;
    private int _arrived;
    private int _expectedBacklog = int.MaxValue;

    public RabbitMqFlowQueue(RabbitMqConnection connection, RabbitMqReplyChannel replies, IOptions<WebhookFlowsOptions> flows, ILogger<RabbitMqFlowQueue> logger, TimeProvider? time = null)
    {
        _connection = connection;
        _replies = replies;
        _logger = logger;
        Time = time ?? TimeProvider.System;
        LeaseDuration = flows.Value.QueueLeaseDuration;
        _prefetch = (ushort)Math.Clamp(connection.Options.Prefetch ?? flows.Value.MaxConcurrency * 4, 1, ushort.MaxValue);
        _capacity = flows.Value.QueueCapacity;
        _gauges = new Gauge[connection.Topology.Partitions];
        for (var i = 0; i < _gauges.Length; i++)
        {
            _gauges[i] = new Gauge();
        }
    }

    public TimeSpan LeaseDuration { get; }

    /// <summary>The messages this node holds ready plus the ready messages in the broker's work queues (asks the broker).</summary>
    public int Count => _ready.Count + BrokerReady();

    private TimeProvider Time { get; }

    private RabbitMqTopology Topology => _connection.Topology;

    public async ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var replyTo = _replies.ReplyAddressFor(message.ExecutionId);
        if (message.NotBefore is { } due && due > Time.GetUtcNow())
        {
            // Accepted earlier (a rebound): never refused. The delayed queue has no length limit, so a nack is a broker fault.
            if (!await PublishAsync(Topology.Delayed, message, 0, due, replyTo, cancellationToken).ConfigureAwait(false))
            {
                throw _connection.Unavailable("The message broker refused a delayed message", null);
            }

            return true;
        }

        var partition = Topology.PartitionOf(message.FlowId);
        var gauge = _gauges[partition];
        if (!await TryReserveAsync(partition, gauge, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        var accepted = false;
        try
        {
            accepted = await PublishAsync(Topology.Work(partition), message, 0, null, replyTo, cancellationToken).ConfigureAwait(false);
            return accepted;
        }
        finally
        {
            gauge.Published(accepted);
        }
    }

    /// <remarks>
    /// The messages are published one after the other, each confirmed before the next, so they reach their queues in order; once
    /// one is refused (its work queue is full) the later new ones are refused too, delayed ones never.
    /// </remarks>
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

        var accepted = new bool[messages.Count];
        var full = false;
        for (var i = 0; i < accepted.Length; i++)
        {
            var delayed = messages[i].NotBefore is { } due && due > Time.GetUtcNow();
            if (full && !delayed)
            {
                continue;
            }

            accepted[i] = await TryEnqueueAsync(messages[i], cancellationToken).ConfigureAwait(false);
            full |= !accepted[i];
        }

        return accepted;
    }

    public async ValueTask<IFlowDelivery> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admission);
        cancellationToken.ThrowIfCancellationRequested();
        StartConsuming();

        // The first dequeue waits (briefly) for the backlog the broker hands over at start, so the turns include every flow in it.
        await _backlogArrived.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
        var entry = await _ready.TakeAsync(admission, cancellationToken).ConfigureAwait(false);
        var deliveries = Interlocked.Increment(ref entry.DeliveryCounter);
        return new Delivery(this, entry, deliveries);
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        _stopping.Cancel();
        foreach (var channel in new[] { _workChannel, _delayChannel, _countChannel })
        {
            if (channel is null)
            {
                continue;
            }

            try
            {
                // Closing returns every unacknowledged message to its queue (the delayed ones with their due time).
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (RabbitMqConnection.IsBrokerFault(e, CancellationToken.None))
            {
                // gone with the connection
            }

            channel.Dispose();
        }

        _backlogArrived.TrySetResult();
    }

    private async ValueTask<bool> PublishAsync(string queue, QueuedMessage message, int deliveries, DateTimeOffset? notBefore, string? replyTo, CancellationToken cancellationToken)
    {
        var body = RabbitMessageCodec.Encode(message);
        var properties = RabbitMessageCodec.Properties(message, deliveries, notBefore, replyTo);
        return await _connection.PublishAsync(string.Empty, queue, properties, body, cancellationToken).ConfigureAwait(false);
    }

    private void StartConsuming()
    {
        if (_consuming is not null)
        {
            return;
        }

        lock (_startLock)
        {
            _consuming ??= Task.Run(ConsumeUntilStartedAsync);
        }
    }

    /// <summary>Starts the consumers, again and again while the broker cannot be reached (a worker's dequeue just waits meanwhile).</summary>
    private async Task ConsumeUntilStartedAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await StartConsumersAsync(_stopping.Token).ConfigureAwait(false);
                return;
            }
            catch (Exception e) when (e is StorageUnavailableException || RabbitMqConnection.IsBrokerFault(e, _stopping.Token))
            {
                Log.ConsumerNotStarted(_logger, "work queues", e);
                _backlogArrived.TrySetResult();
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await Task.Delay(_connection.Options.RecoveryInterval, Time, _stopping.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private async Task StartConsumersAsync(CancellationToken cancellationToken)
    {
        var work = await _connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        var backlog = 0;
        for (var i = 0; i < Topology.Partitions; i++)
        {
            backlog += (int)Math.Min(await work.MessageCountAsync(Topology.Work(i), cancellationToken).ConfigureAwait(false), _prefetch);
        }

        Volatile.Write(ref _expectedBacklog, backlog);
        if (Volatile.Read(ref _arrived) >= backlog)
        {
            _backlogArrived.TrySetResult();
        }

        await work.BasicQosAsync(0, _prefetch, global: false, cancellationToken).ConfigureAwait(false);
        work.ChannelShutdownAsync += OnChannelShutdownAsync;
        for (var i = 0; i < Topology.Partitions; i++)
        {
            var consumer = new AsyncEventingBasicConsumer(work);
            var queue = Topology.Work(i);
            consumer.ReceivedAsync += (_, delivery) => OnWorkAsync(work, queue, delivery);
            await work.BasicConsumeAsync(queue, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        }

        _workChannel = work;

        var delayed = await _connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        var delayConsumer = new AsyncEventingBasicConsumer(delayed);
        delayConsumer.ReceivedAsync += (_, delivery) => OnDelayedAsync(delayed, delivery);
        await delayed.BasicConsumeAsync(Topology.Delayed, autoAck: false, delayConsumer, cancellationToken).ConfigureAwait(false);
        _delayChannel = delayed;

        // Bounded: whatever has not come within a second joins the turns as it comes.
        _ = Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None).ContinueWith(_ => _backlogArrived.TrySetResult(), TaskScheduler.Default);
    }

    private Task OnChannelShutdownAsync(object sender, ShutdownEventArgs e)
    {
        // Every delivery tag of the channel is void now; the broker gives the messages out again (to this node once recovered).
        Interlocked.Increment(ref _generation);
        return Task.CompletedTask;
    }

    private async Task OnWorkAsync(IChannel channel, string queue, BasicDeliverEventArgs delivery)
    {
        QueuedMessage message;
        try
        {
            message = RabbitMessageCodec.Decode(delivery.Body.Span);
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or InvalidDataException or ArgumentException or FormatException)
        {
            Log.Unreadable(_logger, queue, e);
            await SettleAsync(channel, Volatile.Read(ref _generation), c => c.BasicRejectAsync(delivery.DeliveryTag, requeue: false)).ConfigureAwait(false);
            return;
        }

        _replies.Learn(message.ExecutionId, delivery.BasicProperties.ReplyTo);
        var entry = new Entry(message, channel, delivery.DeliveryTag, Volatile.Read(ref _generation), RabbitMessageCodec.EarlierDeliveries(delivery.BasicProperties), delivery.BasicProperties.ReplyTo);
        _ready.Add(entry);
        if (Interlocked.Increment(ref _arrived) >= Volatile.Read(ref _expectedBacklog))
        {
            _backlogArrived.TrySetResult();
        }
    }

    private Task OnDelayedAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        QueuedMessage message;
        try
        {
            message = RabbitMessageCodec.Decode(delivery.Body.Span);
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or InvalidDataException or ArgumentException or FormatException)
        {
            Log.Unreadable(_logger, Topology.Delayed, e);
            return SettleAsync(channel, Volatile.Read(ref _generation), c => c.BasicRejectAsync(delivery.DeliveryTag, requeue: false));
        }

        var held = new Held(message, channel, delivery.DeliveryTag, Volatile.Read(ref _generation),
            (int)(RabbitMessageCodec.Number(delivery.BasicProperties, RabbitMessageCodec.DeliveriesHeader) ?? 0),
            RabbitMessageCodec.NotBefore(delivery.BasicProperties) ?? message.NotBefore ?? Time.GetUtcNow(),
            delivery.BasicProperties.ReplyTo);
        _ = HoldAsync(held);
        return Task.CompletedTask;
    }

    /// <summary>Holds a delayed message until due (or sends it through the hop queue), then moves it to its work queue.</summary>
    private async Task HoldAsync(Held held)
    {
        var stopping = _stopping.Token;
        try
        {
            var remaining = held.Due - Time.GetUtcNow();
            string target;
            DateTimeOffset? notBefore;
            if (remaining > _connection.Options.DelayHop)
            {
                target = Topology.DelayHop;
                notBefore = held.Due;
            }
            else
            {
                if (remaining > TimeSpan.Zero)
                {
                    await Task.Delay(remaining, Time, stopping).ConfigureAwait(false);
                }

                target = Topology.Work(Topology.PartitionOf(held.Message.FlowId));
                notBefore = null;
            }

            while (true)
            {
                try
                {
                    if (await PublishAsync(target, held.Message, held.Deliveries, notBefore, held.ReplyTo, stopping).ConfigureAwait(false))
                    {
                        break;
                    }

                    Log.DelayedNotMoved(_logger, null);
                }
                catch (StorageUnavailableException e)
                {
                    Log.DelayedNotMoved(_logger, e);
                }

                await Task.Delay(_connection.Options.RecoveryInterval, Time, stopping).ConfigureAwait(false);
            }

            await SettleAsync(held.Channel, held.Generation, c => c.BasicAckAsync(held.Tag, multiple: false)).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: the channel closes and the broker keeps the delayed message, with its due time, for the next node.
        }
    }

    /// <summary>Acks, nacks or rejects on a consumer channel, unless the channel was lost since the delivery (its tag is void).</summary>
    private async Task SettleAsync(IChannel channel, int generation, Func<IChannel, ValueTask> settle)
    {
        if (generation != Volatile.Read(ref _generation) || !channel.IsOpen)
        {
            return; // the broker returned the message when the channel went; it comes again
        }

        await _settleGate.WaitAsync(CancellationToken.None).ConfigureAwait(false);
        try
        {
            await settle(channel).ConfigureAwait(false);
        }
        catch (Exception e) when (RabbitMqConnection.IsBrokerFault(e, CancellationToken.None))
        {
            Log.SettleFailed(_logger, e);
        }
        finally
        {
            _settleGate.Release();
        }
    }

    private int BrokerReady()
    {
        if (!_connection.IsOpen || _stopping.IsCancellationRequested)
        {
            return 0;
        }

        try
        {
            return CountBrokerReadyAsync().AsTask().GetAwaiter().GetResult();
        }
        catch (Exception e) when (e is StorageUnavailableException || RabbitMqConnection.IsBrokerFault(e, CancellationToken.None))
        {
            return 0;
        }
    }

    private async ValueTask<int> CountBrokerReadyAsync()
    {
        var count = 0L;
        for (var i = 0; i < Topology.Partitions; i++)
        {
            count += await CountReadyAsync(i, CancellationToken.None).ConfigureAwait(false);
        }

        return (int)Math.Min(count, int.MaxValue);
    }

    /// <summary>The ready messages of one work queue, as the broker counts them now (a passive declare).</summary>
    private async ValueTask<long> CountReadyAsync(int partition, CancellationToken cancellationToken)
    {
        await _countGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_countChannel is not { IsOpen: true })
            {
                _countChannel?.Dispose();
                _countChannel = await _connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
            }

            return await _countChannel.MessageCountAsync(Topology.Work(partition), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (RabbitMqConnection.IsBrokerFault(e, cancellationToken))
        {
            throw _connection.Unavailable("The message broker could not count the queue", e);
        }
        finally
        {
            _countGate.Release();
        }
    }

    /// <summary>
    /// Takes room for a new message in a work queue. The node counts what it published since it last asked the broker; while that
    /// stays below the capacity no round trip is made; at the capacity it asks the broker for the real count (the consumers of all
    /// nodes drain it) and refuses only if the queue is still full. The queue's own <c>x-max-length</c> backs this up across nodes.
    /// </summary>
    private async ValueTask<bool> TryReserveAsync(int partition, Gauge gauge, CancellationToken cancellationToken)
    {
        if (gauge.TryReserve(_capacity))
        {
            return true;
        }

        await gauge.Polling.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var ready = await CountReadyAsync(partition, cancellationToken).ConfigureAwait(false);
            return gauge.TryReserve(_capacity, ready);
        }
        finally
        {
            gauge.Polling.Release();
        }
    }

    /// <summary>A node's estimate of one work queue's ready messages: the broker's last count plus what it published since.</summary>
    private sealed class Gauge
    {
        private readonly object _lock = new();
        private long _counted;
        private long _since;
        private long _inFlight;

        public SemaphoreSlim Polling { get; } = new(1, 1);

        public bool TryReserve(int capacity, long? counted = null)
        {
            lock (_lock)
            {
                if (counted is { } fresh)
                {
                    _counted = fresh;
                    _since = 0;
                }

                if (_counted + _since + _inFlight >= capacity)
                {
                    return false;
                }

                _inFlight++;
                return true;
            }
        }

        public void Published(bool accepted)
        {
            lock (_lock)
            {
                _inFlight--;
                if (accepted)
                {
                    _since++;
                }
            }
        }
    }

    private sealed class Entry(QueuedMessage message, IChannel channel, ulong tag, int generation, int earlier, string? replyTo)
    {
        public int DeliveryCounter = earlier;

        public QueuedMessage Message { get; } = message;

        public IChannel Channel { get; } = channel;

        public ulong Tag { get; } = tag;

        public int Generation { get; } = generation;

        public string? ReplyTo { get; } = replyTo;
    }

    private sealed record Held(QueuedMessage Message, IChannel Channel, ulong Tag, int Generation, int Deliveries, DateTimeOffset Due, string? ReplyTo);

    /// <summary>One delivery: its <see cref="DeliveryLease"/> (as the in-process queues' leases) hands the message back to the broker if it runs out.</summary>
    private sealed class Delivery : IFlowDelivery
    {
        private readonly RabbitMqFlowQueue _queue;
        private readonly Entry _entry;
        private readonly DeliveryLease _lease;

        public Delivery(RabbitMqFlowQueue queue, Entry entry, int deliveryCount)
        {
            _queue = queue;
            _entry = entry;
            DeliveryCount = deliveryCount;
            _lease = new DeliveryLease(queue.Time, queue.LeaseDuration, OnExpired);
        }

        public QueuedMessage Message => _entry.Message;

        public int DeliveryCount { get; }

        public DateTimeOffset LeaseExpiresAt => _lease.ExpiresAt;

        public async ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            if (TrySettle())
            {
                var entry = _entry;
                await _queue.SettleAsync(entry.Channel, entry.Generation, c => c.BasicAckAsync(entry.Tag, multiple: false)).ConfigureAwait(false);
            }
        }

        public async ValueTask AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
            if (!TrySettle())
            {
                return;
            }

            var entry = _entry;
            if (delay == TimeSpan.Zero)
            {
                // Still this node's unacknowledged message: it joins the end of its flow's line here (count + 1 at its next dequeue).
                _queue._ready.Add(entry);
                return;
            }

            // Durable: a copy with its due time (and the deliveries so far) goes to the delayed queue, then the original is acked.
            try
            {
                var due = _queue.Time.GetUtcNow() + delay;
                if (await _queue.PublishAsync(_queue.Topology.Delayed, entry.Message, DeliveryCount, due, entry.ReplyTo, cancellationToken).ConfigureAwait(false))
                {
                    await _queue.SettleAsync(entry.Channel, entry.Generation, c => c.BasicAckAsync(entry.Tag, multiple: false)).ConfigureAwait(false);
                    return;
                }
            }
            catch (StorageUnavailableException)
            {
                // the broker is away: returned below, so it is not lost (delivered again at once rather than after the delay)
            }

            await _queue.SettleAsync(entry.Channel, entry.Generation, c => c.BasicNackAsync(entry.Tag, multiple: false, requeue: true)).ConfigureAwait(false);
        }

        public ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default) => new(_lease.TryRenew());

        public override string ToString() => $"{_entry.Message.MessageId} (delivery {DeliveryCount})";

        private bool TrySettle() => _lease.TrySettle();

        private void OnExpired()
        {
            Log.LeaseExpired(_queue._logger, _entry.Message.MessageId, _entry.Message.FlowId, DeliveryCount);

            // Returned to the broker, which counts it (x-delivery-count) and gives it out again, to any node.
            var entry = _entry;
            _ = _queue.SettleAsync(entry.Channel, entry.Generation, c => c.BasicNackAsync(entry.Tag, multiple: false, requeue: true));
        }
    }
}
