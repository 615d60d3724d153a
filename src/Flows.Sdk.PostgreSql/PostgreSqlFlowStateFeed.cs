using System.Globalization;
using Flows.Sdk.Flows;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The flow-state feed over PostgreSQL <c>LISTEN/NOTIFY</c>: a change is delivered to this node's subscribers before
/// <see cref="PublishAsync"/> returns, and sent with <c>pg_notify</c> to every node, whose listening connection delivers it
/// at once (well within a second). Per flow, a change older than one delivered is dropped, so this node's own notifications
/// coming back, and repeats, are superseded.
/// </summary>
/// <remarks>
/// A change that cannot be sent (the database unreachable) is kept and sent again by the listening loop. A node whose
/// listening connection dropped missed the notifications sent meanwhile: after it reconnects it reads every flow's state,
/// revision and versions from the <c>flows</c> table and delivers what is newer than what it had.
/// <para>The same connection listens for deleted credentials (<see cref="PostgreSqlDatabase.CredentialChannel"/>), for the
/// credential store's cache: see <see cref="OnCredentialRemoved"/>. It runs whichever feed the host uses for flow states.</para>
/// </remarks>
internal sealed class PostgreSqlFlowStateFeed : IFlowStateFeed, IAsyncDisposable, IDisposable
{
    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private readonly PostgreSqlDatabase _database;
    private readonly ILogger _logger;
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _delivered = new(StringComparer.Ordinal);
    private readonly Queue<FlowStateChange> _unsent = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private Subscription[] _subscribers = [];
    private Action<string?>[] _credentialHandlers = [];
    private Action<string?>[] _queueHandlers = [];
    private volatile bool _connected;
    private Task? _loop;

    public PostgreSqlFlowStateFeed(PostgreSqlDatabase database, ILogger<PostgreSqlFlowStateFeed>? logger = null)
    {
        _database = database;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>Completes once the listening connection is up for the first time (tests wait for it).</summary>
    internal Task Listening => _listening.Task;

    public async ValueTask PublishAsync(FlowStateChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        EnsureListening();
        Deliver(change);
        try
        {
            await NotifyAsync(change, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (PostgreSqlDatabase.Unavailable(e) is not null || e is NpgsqlException)
        {
            Log.FeedPublishDeferred(_logger, change.FlowId, change.Revision, e);
            lock (_unsent)
            {
                _unsent.Enqueue(change);
            }
        }
    }

    public IDisposable Subscribe(Action<FlowStateChange> subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        EnsureListening();
        var subscription = new Subscription(this, subscriber);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    /// <summary>
    /// True while the listening connection is up: a credential deleted on any node is then announced to
    /// <see cref="OnCredentialRemoved"/> handlers, so a cache may trust what it holds.
    /// </summary>
    internal bool IsListening => _connected;

    /// <summary>
    /// Calls <paramref name="handler"/> with the id of each credential deleted on any node, and with <see langword="null"/>
    /// (forget everything) each time the listening connection is (re)established, since deletions may have been missed.
    /// Starts the listening loop.
    /// </summary>
    internal void OnCredentialRemoved(Action<string?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _credentialHandlers = [.. _credentialHandlers, handler];
        }

        EnsureListening();
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the notification's payload (the enqueuing queue's id) when any node enqueued
    /// (<see cref="PostgreSqlDatabase.QueueChannel"/>), and with <see langword="null"/> each time the listening connection is
    /// (re)established. Starts the listening loop.
    /// </summary>
    internal void OnQueueNotified(Action<string?> handler)
    {
        ArgumentNullException.ThrowIfNull(handler);
        lock (_lock)
        {
            _queueHandlers = [.. _queueHandlers, handler];
        }

        EnsureListening();
    }

    /// <summary>Starts the listening loop (once); the first subscriber or publisher does.</summary>
    internal void EnsureListening()
    {
        if (_loop is not null)
        {
            return;
        }

        lock (_lock)
        {
            _loop ??= Task.Run(() => ListenAsync(_stopping.Token));
        }
    }

    private async Task NotifyAsync(FlowStateChange change, CancellationToken cancellationToken)
    {
        var payload = Serialize(change);
        var connection = await _database.DataSource.OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            await using var command = PostgreSqlDatabase.Command(connection, "SELECT pg_notify($1, $2);", null, _database.FeedChannel, payload);
            await command.ExecuteNonQueryAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task ListenAsync(CancellationToken stopping)
    {
        var first = true;
        var disconnected = false;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await _database.EnsureInitializedAsync(stopping).ConfigureAwait(false);
                var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(_database.ConnectionString) { Pooling = false, KeepAlive = 5 }.ConnectionString);
                await using (connection.ConfigureAwait(false))
                {
                    await connection.OpenAsync(stopping).ConfigureAwait(false);
                    connection.Notification += OnNotification;
                    await using (var listen = PostgreSqlDatabase.Command(connection, $"LISTEN {_database.FeedChannel}; LISTEN {_database.CredentialChannel}; LISTEN {_database.QueueChannel};"))
                    {
                        await listen.ExecuteNonQueryAsync(stopping).ConfigureAwait(false);
                    }

                    // Credentials deleted before now (or while disconnected) were not heard of: the caches start again.
                    _connected = true;
                    RemoveCredential(null);
                    QueueNotified(null);

                    // Listening from here on: what changed before (or while disconnected) is read from the table.
                    var flows = first ? 0 : await ResynchronizeAsync(connection, stopping).ConfigureAwait(false);
                    Log.FeedListening(_logger, _database.FeedChannel, flows);
                    first = false;
                    disconnected = false;
                    _listening.TrySetResult();
                    while (!stopping.IsCancellationRequested)
                    {
                        await SendUnsentAsync(stopping).ConfigureAwait(false);
                        await connection.WaitAsync(TimeSpan.FromSeconds(30), stopping).ConfigureAwait(false);
                    }
                }
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                _connected = false;
                return;
            }
            catch (Exception e)
            {
                _connected = false;

                // Logged once per loss (it is tried again every second until the database is back).
                if (!disconnected)
                {
                    Log.FeedDisconnected(_logger, e);
                    disconnected = true;
                }

                first = false;
                try
                {
                    await Task.Delay(RetryDelay, stopping).ConfigureAwait(false);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private async Task SendUnsentAsync(CancellationToken stopping)
    {
        while (true)
        {
            FlowStateChange? change;
            lock (_unsent)
            {
                if (!_unsent.TryPeek(out change))
                {
                    return;
                }
            }

            await NotifyAsync(change, stopping).ConfigureAwait(false);
            lock (_unsent)
            {
                _unsent.TryDequeue(out _);
            }
        }
    }

    private async Task<int> ResynchronizeAsync(NpgsqlConnection connection, CancellationToken stopping)
    {
        var changes = new List<FlowStateChange>();
        await using (var command = PostgreSqlDatabase.Command(connection,
            "SELECT id, state, latest_version, live_version, revision, updated_at FROM flows WHERE state <> 'draft';"))
        {
            await using var reader = await command.ExecuteReaderAsync(stopping).ConfigureAwait(false);
            while (await reader.ReadAsync(stopping).ConfigureAwait(false))
            {
                var state = Enum.Parse<FlowState>(reader.GetString(1), ignoreCase: true);
                changes.Add(new FlowStateChange(
                    reader.GetString(0),
                    state == FlowState.Running ? FlowStateChangeKind.Started : FlowStateChangeKind.Stopped,
                    state,
                    reader.IsDBNull(2) ? null : reader.GetInt32(2),
                    reader.IsDBNull(3) ? null : reader.GetInt32(3),
                    reader.GetInt64(4),
                    new DateTimeOffset(reader.GetInt64(5), TimeSpan.Zero)));
            }
        }

        foreach (var change in changes)
        {
            Deliver(change);
        }

        return changes.Count;
    }

    private void RemoveCredential(string? credentialId)
    {
        foreach (var handler in Volatile.Read(ref _credentialHandlers))
        {
            handler(credentialId);
        }
    }

    private void QueueNotified(string? sender)
    {
        foreach (var handler in Volatile.Read(ref _queueHandlers))
        {
            handler(sender);
        }
    }

    private void OnNotification(object sender, NpgsqlNotificationEventArgs e)
    {
        if (e.Channel == _database.QueueChannel)
        {
            QueueNotified(e.Payload);
            return;
        }

        if (e.Channel == _database.CredentialChannel)
        {
            RemoveCredential(e.Payload);
            return;
        }

        FlowStateChange change;
        try
        {
            change = Deserialize(e.Payload);
        }
        catch (Exception exception) when (exception is JsonException or FormatException or ArgumentException or InvalidCastException or NullReferenceException)
        {
            // Not ours (someone else notifying on the channel): ignored.
            return;
        }

        Deliver(change);
    }

    private void Deliver(FlowStateChange change)
    {
        lock (_lock)
        {
            if (_delivered.TryGetValue(change.FlowId, out var latest) && latest >= change.Revision)
            {
                return;
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
                    Log.FeedSubscriberFailed(_logger, e, change.FlowId, change.Kind.ToString());
                }
            }
        }
    }

    internal static string Serialize(FlowStateChange change) => new JObject
    {
        ["flowId"] = change.FlowId,
        ["kind"] = change.Kind.ToString(),
        ["state"] = change.State.ToString(),
        ["latestVersion"] = change.LatestVersion,
        ["liveVersion"] = change.LiveVersion,
        ["revision"] = change.Revision,
        ["changedAt"] = change.ChangedAt.UtcTicks.ToString(CultureInfo.InvariantCulture),
    }.ToString(Formatting.None);

    internal static FlowStateChange Deserialize(string payload)
    {
        var json = PostgreSqlJson.ParseObject(payload);
        return new FlowStateChange(
            (string)json["flowId"]!,
            Enum.Parse<FlowStateChangeKind>((string)json["kind"]!),
            Enum.Parse<FlowState>((string)json["state"]!),
            (int?)json["latestVersion"],
            (int?)json["liveVersion"],
            (long)json["revision"]!,
            new DateTimeOffset(long.Parse((string)json["changedAt"]!, CultureInfo.InvariantCulture), TimeSpan.Zero));
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Where(s => !ReferenceEquals(s, subscription)).ToArray();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_stopping.IsCancellationRequested)
        {
            return;
        }

        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_loop is { } loop)
        {
            await loop.ConfigureAwait(false);
        }

        _stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed class Subscription(PostgreSqlFlowStateFeed feed, Action<FlowStateChange> subscriber) : IDisposable
    {
        public Action<FlowStateChange> Subscriber => subscriber;

        public void Dispose() => feed.Unsubscribe(this);
    }
}
