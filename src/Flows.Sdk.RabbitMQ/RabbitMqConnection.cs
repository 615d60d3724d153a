using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using RabbitMQ.Client.Exceptions;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// One AMQP connection per node, shared by the queue, the reply channel and the flow-state feed. It connects on first use (or
/// at start), declares the topology, and recovers by itself (the client's automatic recovery, every
/// <see cref="RabbitMqOptions.RecoveryInterval"/>; consumers are registered again). Publishing goes through one channel with
/// publisher confirms: concurrent publishes share it, so the broker confirms them together (<c>multiple</c> acks), as a group
/// commit. While the broker is unreachable every operation fails with <see cref="StorageUnavailableException"/> at once.
/// </summary>
internal sealed class RabbitMqConnection : IAsyncDisposable
{
    private readonly RabbitMqOptions _options;
    private readonly ILogger<RabbitMqConnection> _logger;
    private readonly TimeProvider _time;
    private readonly SemaphoreSlim _gate = new(1, 1);
    private readonly CancellationTokenSource _disposed = new();
    private IConnection? _connection;
    private IChannel? _publisher;
    private long _failedAt = long.MinValue;
    private Exception? _fatal;

    public RabbitMqConnection(IOptions<RabbitMqOptions> options, IOptions<WebhookFlowsOptions> flows, ILogger<RabbitMqConnection> logger, TimeProvider? time = null)
    {
        _options = options.Value;
        _logger = logger;
        _time = time ?? TimeProvider.System;
        Topology = new RabbitMqTopology(_options, flows.Value.QueueCapacity);
        NodeName = _options.NodeName ?? $"{Environment.MachineName}-{Environment.ProcessId}-{Guid.NewGuid().ToString("N")[..6]}";
    }

    public RabbitMqTopology Topology { get; }

    public RabbitMqOptions Options => _options;

    /// <summary>This node's name (its reply queue, its connection's name in the broker).</summary>
    public string NodeName { get; }

    /// <summary>Whether the connection is open now (the health check).</summary>
    public bool IsOpen => _connection is { IsOpen: true };

    /// <summary>Raised after the client recovered the connection (consumers are registered again).</summary>
    public event Action? Recovered;

    /// <summary>The open connection, connecting (and declaring the topology) the first time.</summary>
    /// <exception cref="StorageUnavailableException">The broker cannot be reached (now, or it failed less than a recovery interval ago).</exception>
    public async ValueTask<IConnection> GetAsync(CancellationToken cancellationToken = default)
    {
        if (_connection is { } connection)
        {
            return connection;
        }

        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_connection is { } made)
            {
                return made;
            }

            if (_fatal is not null)
            {
                throw new InvalidOperationException(_fatal.Message, _fatal);
            }

            ObjectDisposedException.ThrowIf(_disposed.IsCancellationRequested, this);
            if (_time.GetElapsedTime(Volatile.Read(ref _failedAt)) < _options.RecoveryInterval && _failedAt != long.MinValue)
            {
                throw Unavailable("The message broker could not be reached a moment ago", null);
            }

            return _connection = await ConnectAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>A new channel on the connection (consumers keep their own).</summary>
    public async ValueTask<IChannel> CreateChannelAsync(CancellationToken cancellationToken = default)
    {
        var connection = await GetAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBrokerFault(e, cancellationToken))
        {
            throw Unavailable("The message broker refused a channel", e);
        }
    }

    /// <summary>
    /// Publishes persistent and waits for the broker's confirm (at most <see cref="RabbitMqOptions.PublishTimeout"/>).
    /// </summary>
    /// <returns><see langword="false"/> when the broker refused the message (nack: the queue is full).</returns>
    /// <exception cref="StorageUnavailableException">The broker cannot be reached, the routing failed, or no confirm came in time.</exception>
    public async ValueTask<bool> PublishAsync(string exchange, string routingKey, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        var channel = await GetPublisherAsync(cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
        timeout.CancelAfter(_options.PublishTimeout);
        try
        {
            await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, properties, body, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (PublishException e) when (!e.IsReturn)
        {
            return false; // nack: x-overflow reject-publish (the queue is full)
        }
        catch (PublishException e)
        {
            throw Unavailable($"The message broker has no queue '{routingKey}' to route to", e);
        }
        catch (OperationCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            throw Unavailable("The message broker did not confirm the message in time", e);
        }
        catch (Exception e) when (IsBrokerFault(e, cancellationToken))
        {
            throw Unavailable("The message broker could not be reached", e);
        }
    }

    /// <summary>Publishes without waiting for anything but the write (replies, flow-state changes); false when it failed.</summary>
    public async ValueTask<bool> TryPublishAsync(string exchange, string routingKey, bool mandatory, BasicProperties properties, ReadOnlyMemory<byte> body, CancellationToken cancellationToken = default)
    {
        try
        {
            var channel = await GetPublisherAsync(cancellationToken).ConfigureAwait(false);
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _disposed.Token);
            timeout.CancelAfter(_options.PublishTimeout);
            await channel.BasicPublishAsync(exchange, routingKey, mandatory, properties, body, timeout.Token).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is StorageUnavailableException or PublishException || IsBrokerFault(e, cancellationToken) || e is OperationCanceledException && !cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed.IsCancellationRequested)
        {
            return;
        }

        _disposed.Cancel();
        await _gate.WaitAsync().ConfigureAwait(false);
        try
        {
            if (_connection is { } connection)
            {
                try
                {
                    await connection.CloseAsync(TimeSpan.FromSeconds(2)).ConfigureAwait(false);
                }
                catch (Exception e) when (e is not OutOfMemoryException)
                {
                    // closing a connection that is gone already
                }

                connection.Dispose();
                _connection = null;
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>Whether an exception is the broker's or the network's (not the caller's cancellation, not a bug).</summary>
    internal static bool IsBrokerFault(Exception e, CancellationToken cancellationToken) =>
        e is BrokerUnreachableException or AlreadyClosedException or OperationInterruptedException or ConnectFailureException
            or IOException or System.Net.Sockets.SocketException or TimeoutException or ObjectDisposedException
        || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested);

    internal StorageUnavailableException Unavailable(string what, Exception? inner) =>
        new($"{what}; the message was not accepted.", _options.RecoveryInterval, inner);

    private async ValueTask<IChannel> GetPublisherAsync(CancellationToken cancellationToken)
    {
        if (_publisher is { IsOpen: true } open)
        {
            return open;
        }

        var connection = await GetAsync(cancellationToken).ConfigureAwait(false);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            if (_publisher is { IsOpen: true } opened)
            {
                return opened;
            }

            if (!connection.IsOpen)
            {
                throw Unavailable("The connection to the message broker is lost (recovering)", null);
            }

            _publisher?.Dispose();
            _publisher = null;
            try
            {
                // Confirms tracked per publish; no client-side throttle: the hook's own concurrency bounds what is outstanding.
                _publisher = await connection.CreateChannelAsync(
                    new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true, outstandingPublisherConfirmationsRateLimiter: null),
                    cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (IsBrokerFault(e, cancellationToken))
            {
                throw Unavailable("The message broker refused a channel", e);
            }

            return _publisher;
        }
        finally
        {
            _gate.Release();
        }
    }

    private async Task<IConnection> ConnectAsync(CancellationToken cancellationToken)
    {
        var factory = new ConnectionFactory
        {
            Uri = _options.Uri!,
            AutomaticRecoveryEnabled = true,
            TopologyRecoveryEnabled = true,
            NetworkRecoveryInterval = _options.RecoveryInterval,
            RequestedHeartbeat = TimeSpan.FromSeconds(10),
            ClientProvidedName = $"flows:{NodeName}",
        };
        IConnection connection;
        try
        {
            connection = await factory.CreateConnectionAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (IsBrokerFault(e, cancellationToken))
        {
            Volatile.Write(ref _failedAt, _time.GetTimestamp());
            Log.BrokerUnreachable(_logger, _options.Uri!.Host, _options.Uri.Port, e.Message);
            throw Unavailable("The message broker could not be reached", e);
        }

        try
        {
            await using var channel = await connection.CreateChannelAsync(cancellationToken: cancellationToken).ConfigureAwait(false);
            await Topology.DeclareAsync(channel, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationInterruptedException e) when (e.ShutdownReason?.ReplyCode == 406)
        {
            // An existing queue was declared with other arguments (another delivery limit, capacity or hop): not a fault that passes.
            _fatal = new InvalidOperationException(
                $"RabbitMQ refused the queues of prefix '{_options.Prefix}': {e.ShutdownReason.ReplyText}. Queues exist with other arguments "
                + $"({nameof(RabbitMqOptions.DeliveryLimit)}, WebhookFlowsOptions.QueueCapacity, {nameof(RabbitMqOptions.DelayHop)}); delete them once drained, or use another {nameof(RabbitMqOptions.Prefix)}.", e);
            await connection.CloseAsync(CancellationToken.None).ConfigureAwait(false);
            connection.Dispose();
            throw _fatal;
        }
        catch (Exception e) when (IsBrokerFault(e, cancellationToken))
        {
            Volatile.Write(ref _failedAt, _time.GetTimestamp());
            connection.Dispose();
            throw Unavailable("The message broker refused the queue declarations", e);
        }

        connection.ConnectionShutdownAsync += OnShutdownAsync;
        connection.RecoverySucceededAsync += OnRecoveredAsync;
        Log.Connected(_logger, _options.Uri!.Host, _options.Uri.Port, NodeName);
        return connection;
    }

    private Task OnShutdownAsync(object sender, ShutdownEventArgs e)
    {
        if (!_disposed.IsCancellationRequested)
        {
            Log.ConnectionLost(_logger, e.ReplyCode, e.ReplyText);
        }

        return Task.CompletedTask;
    }

    private Task OnRecoveredAsync(object sender, AsyncEventArgs e)
    {
        Log.ConnectionRecovered(_logger);
        Recovered?.Invoke();
        return Task.CompletedTask;
    }
}
