using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The queue of accepted messages in PostgreSQL, shared by every node: one row per message (table <c>queue</c>) holding
/// <see cref="QueuedMessageCodec"/>'s bytes. An enqueue returns once its row is committed. A dequeue leases the oldest ready row
/// of a flow with <c>FOR UPDATE SKIP LOCKED</c>, so nodes never take the same row; an acknowledgement deletes it; an abandoned
/// or expired lease makes it ready again with its delivery count kept in the row. After a crash, a node's leased rows are
/// delivered again, by any node, once their lease expires: leases last at most <see cref="MaxLeaseDuration"/> (30 s), renewed
/// by the workers while the message runs.
/// </summary>
/// <remarks>
/// <para>Ready means <c>not_before</c> passed and no lease, or an expired one (by the <see cref="TimeProvider"/>). Flows with ready
/// messages take turns (the flow this node served longest ago first) among those the <see cref="IFlowAdmission"/> admits; the
/// admission is asked while the row is locked, so a slot is taken only for a row this node gets. Per flow, ready messages go in
/// the order they were accepted.</para>
/// <para>Waiting dequeues look again when this node enqueues, abandons or frees a slot, when another node's enqueue is
/// announced (<c>NOTIFY</c> on <see cref="PostgreSqlDatabase.QueueChannel"/>, heard by the <see cref="PostgreSqlFlowStateFeed"/>'s
/// listening connection), and otherwise every <see cref="ListeningPollInterval"/> (every <see cref="PollInterval"/> while not
/// listening). Concurrent enqueues are committed together (group commit: one statement, one synchronous commit). <see cref="Count"/> (ready rows, all
/// nodes) is as of this node's last operation on the queue. The capacity is checked in the insert; concurrent inserts on several
/// nodes may pass it by a few.</para>
/// </remarks>
internal sealed class PostgreSqlFlowQueue : IFlowQueue
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

    /// <summary>
    /// How often waiting workers look while the <see cref="PostgreSqlFlowStateFeed"/>'s connection listens: an enqueue on any
    /// node wakes them through <c>NOTIFY</c>, so polling only picks up delayed messages coming due and expired leases.
    /// </summary>
    public static readonly TimeSpan ListeningPollInterval = TimeSpan.FromSeconds(1);

    /// <summary>
    /// The longest lease this queue hands out, whatever <see cref="WebhookFlowsOptions.QueueLeaseDuration"/> says: the workers
    /// renew a running message's lease every third of it, so a short lease costs one small update per 10 s of running and
    /// brings a crashed node's messages back to the other nodes within 30 s instead of the 5 minutes of the default.
    /// </summary>
    public static readonly TimeSpan MaxLeaseDuration = TimeSpan.FromSeconds(30);

    private static readonly TimeSpan RetryDelay = TimeSpan.FromSeconds(1);

    private const string Ready = "not_before <= $1 AND (lease_until IS NULL OR lease_until <= $1)";

    private readonly PostgreSqlDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly int _capacity;
    private readonly Dictionary<string, long> _served = new(StringComparer.Ordinal);
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly List<PendingEnqueue> _enqueues = [];
    private readonly PostgreSqlFlowStateFeed? _feed;
    private readonly string _node = Guid.NewGuid().ToString("N");
    private bool _enqueueing;
    private long _turn;
    private int _count;
    private int _pollFailures;

    public PostgreSqlFlowQueue(PostgreSqlDatabase database, IOptions<WebhookFlowsOptions> options, TimeProvider? time = null, ILogger<PostgreSqlFlowQueue>? logger = null,
        PostgreSqlFlowStateFeed? feed = null)
    {
        _database = database;
        _feed = feed;
        // This node's own enqueues wake its workers directly: its notifications coming back are ignored.
        feed?.OnQueueNotified(sender =>
        {
            if (sender != _node)
            {
                Wake();
            }
        });
        _time = time ?? TimeProvider.System;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _capacity = options.Value.QueueCapacity;
        LeaseDuration = options.Value.QueueLeaseDuration < MaxLeaseDuration ? options.Value.QueueLeaseDuration : MaxLeaseDuration;
    }

    public TimeSpan LeaseDuration { get; }

    public int Count => Volatile.Read(ref _count);

    public async ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        return (await EnqueueAsync([message], cancellationToken).ConfigureAwait(false))[0];
    }

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

        if (messages.Count == 0)
        {
            return [];
        }

        // Group commit: the batches handed in while one is being committed go together in the next (one round trip, one
        // synchronous commit); each caller gets its own answers once that commit is durable.
        var pending = new PendingEnqueue(messages.ToArray(), messages.Select(QueuedMessageCodec.Encode).ToArray());
        var start = false;
        lock (_enqueues)
        {
            _enqueues.Add(pending);
            if (!_enqueueing)
            {
                _enqueueing = true;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(EnqueueLoopAsync, CancellationToken.None);
        }

        // Not cancellable once handed in: the rows may be committed anyway, and then they must run.
        var accepted = await pending.Done.Task.ConfigureAwait(false);
        Wake();
        return accepted;
    }

    private async Task EnqueueLoopAsync()
    {
        while (true)
        {
            PendingEnqueue[] group;
            lock (_enqueues)
            {
                if (_enqueues.Count == 0)
                {
                    _enqueueing = false;
                    return;
                }

                group = _enqueues.ToArray();
                _enqueues.Clear();
            }

            try
            {
                var accepted = await InsertAsync(group.SelectMany(p => p.Messages).ToArray(), group.SelectMany(p => p.Bodies).ToArray()).ConfigureAwait(false);
                var offset = 0;
                foreach (var pending in group)
                {
                    pending.Done.TrySetResult(accepted.AsSpan(offset, pending.Messages.Length).ToArray());
                    offset += pending.Messages.Length;
                }
            }
            catch (Exception e)
            {
                foreach (var pending in group)
                {
                    pending.Done.TrySetException(e);
                }
            }
        }
    }

    /// <summary>
    /// Inserts the messages in one statement (and reads the count in the same round trip): the delayed ones (rebounds, accepted
    /// long ago) always, the new ones in order while the ready rows leave room, none after the first refused.
    /// </summary>
    private async Task<bool[]> InsertAsync(QueuedMessage[] messages, byte[][] bodies)
    {
        var now = _time.GetUtcNow().UtcTicks;
        var notBefore = messages.Select(m => m.NotBefore?.UtcTicks ?? now).ToArray();
        var delayed = notBefore.Select(n => n > now).ToArray();
        var room = await _database.RunAsync(async (connection, ct) =>
        {
            var batch = new NpgsqlBatch(connection);
            await using (batch.ConfigureAwait(false))
            {
                // Ready rows are counted before the insert; the new messages take the room in their order (the ordinality
                // among the new ones), the delayed ones need none. The room is returned with every row inserted.
                batch.BatchCommands.Add(BatchCommand($"""
                    WITH room AS (SELECT $7 - count(*) AS n FROM queue WHERE {Ready}),
                    rows AS (
                        SELECT i, flow_id, message_id, body, not_before, delayed,
                            sum(CASE WHEN delayed THEN 0 ELSE 1 END) OVER (ORDER BY i) AS new_index
                        FROM unnest($2::text[], $3::text[], $4::bytea[], $5::bigint[], $6::boolean[]) WITH ORDINALITY AS r(flow_id, message_id, body, not_before, delayed, i))
                    INSERT INTO queue (flow_id, message_id, body, not_before)
                    SELECT flow_id, message_id, body, not_before FROM rows, room WHERE delayed OR new_index <= room.n ORDER BY i
                    RETURNING (SELECT n FROM room);
                    """, now, messages.Select(m => m.FlowId).ToArray(), messages.Select(m => m.MessageId).ToArray(), bodies, notBefore, delayed, (long)_capacity));
                batch.BatchCommands.Add(BatchCommand($"SELECT count(*) FROM queue WHERE {Ready};", now));
                if (_feed is not null)
                {
                    // Wakes the other nodes' waiting workers when this commits.
                    batch.BatchCommands.Add(BatchCommand("SELECT pg_notify($1, $2);", _database.QueueChannel, _node));
                }

                long? n = null;
                await using (var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    if (await reader.ReadAsync(ct).ConfigureAwait(false))
                    {
                        n = reader.GetInt64(0);
                    }

                    await reader.NextResultAsync(ct).ConfigureAwait(false);
                    await reader.ReadAsync(ct).ConfigureAwait(false);
                    Volatile.Write(ref _count, (int)Math.Min(int.MaxValue, reader.GetInt64(0)));
                }

                // No row inserted: there was no room (and no delayed message).
                return n ?? 0;
            }
        }, CancellationToken.None).ConfigureAwait(false);

        var result = new bool[messages.Length];
        var index = 0L;
        for (var i = 0; i < messages.Length; i++)
        {
            result[i] = delayed[i] || ++index <= room;
        }

        return result;
    }

    private static NpgsqlBatchCommand BatchCommand(string sql, params object?[] parameters)
    {
        var command = new NpgsqlBatchCommand(sql);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    public async ValueTask<IFlowDelivery> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admission);
        using var slotFreed = admission.OnSlotFreed(Wake);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = Volatile.Read(ref _wake).Task;
            var wait = _feed is { IsListening: true } ? ListeningPollInterval : PollInterval;
            try
            {
                if (await TryClaimAsync(admission).ConfigureAwait(false) is { } delivery)
                {
                    _pollFailures = 0;
                    return delivery;
                }

                _pollFailures = 0;
            }
            catch (Exception e) when (PostgreSqlDatabase.Unavailable(e) is not null)
            {
                // The database is away: workers wait (logged once per outage, then every 30th try) and look again.
                wait = RetryDelay;
                if (_pollFailures++ % 30 == 0)
                {
                    Log.QueuePollFailed(_logger, (long)wait.TotalMilliseconds, e);
                }
            }

            await Task.WhenAny(wake, Task.Delay(wait, cancellationToken)).ConfigureAwait(false);
        }
    }

    private async Task<IFlowDelivery?> TryClaimAsync(IFlowAdmission admission)
    {
        var now = _time.GetUtcNow().UtcTicks;
        return await _database.RunAsync(async (connection, _) =>
        {
            // The flows with ready messages, the one this node served longest ago first, then by their oldest message.
            var waiting = new List<(string FlowId, long Head)>();
            await using (var flows = PostgreSqlDatabase.Command(connection,
                $"SELECT flow_id, min(seq) FROM queue WHERE {Ready} GROUP BY flow_id ORDER BY min(seq) LIMIT 256;", null, now))
            await using (var reader = await flows.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
            {
                while (await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                {
                    waiting.Add((reader.GetString(0), reader.GetInt64(1)));
                }
            }

            Volatile.Write(ref _count, waiting.Count == 0 ? 0 : Volatile.Read(ref _count));
            if (waiting.Count == 0)
            {
                return null;
            }

            string[] order;
            lock (_served)
            {
                order = waiting.OrderBy(w => _served.GetValueOrDefault(w.FlowId)).ThenBy(w => w.Head).Select(w => w.FlowId).ToArray();
            }

            var flowsWaiting = order.ToHashSet(StringComparer.Ordinal);
            foreach (var flowId in order)
            {
                var transaction = await connection.BeginTransactionAsync(CancellationToken.None).ConfigureAwait(false);
                await using (transaction.ConfigureAwait(false))
                {
                    long seq;
                    byte[] body;
                    int deliveries;
                    bool expired;
                    await using (var take = PostgreSqlDatabase.Command(connection, $"""
                        SELECT seq, body, deliveries, lease_until IS NOT NULL FROM queue WHERE flow_id = $2 AND {Ready}
                        ORDER BY seq LIMIT 1 FOR UPDATE SKIP LOCKED;
                        """, transaction, now, flowId))
                    await using (var reader = await take.ExecuteReaderAsync(CancellationToken.None).ConfigureAwait(false))
                    {
                        if (!await reader.ReadAsync(CancellationToken.None).ConfigureAwait(false))
                        {
                            continue; // Taken by another node meanwhile (rolled back with the transaction).
                        }

                        seq = reader.GetInt64(0);
                        body = (byte[])reader.GetValue(1);
                        deliveries = reader.GetInt32(2) + 1;
                        expired = reader.GetBoolean(3);
                    }

                    // The row is locked for this node: only now is a slot taken for it.
                    if (!admission.TryAdmit(flowId, flowsWaiting))
                    {
                        continue;
                    }

                    var message = QueuedMessageCodec.Read(body);
                    var lease = Guid.NewGuid();
                    var expires = now + LeaseDuration.Ticks;
                    var leaseBatch = new NpgsqlBatch(connection, transaction);
                    await using (leaseBatch.ConfigureAwait(false))
                    {
                        // The lease and the count in one round trip.
                        leaseBatch.BatchCommands.Add(BatchCommand("UPDATE queue SET deliveries = $2, lease_until = $3, lease_id = $4 WHERE seq = $1;", seq, deliveries, expires, lease));
                        leaseBatch.BatchCommands.Add(BatchCommand($"SELECT count(*) FROM queue WHERE {Ready};", now));
                        Volatile.Write(ref _count, (int)Math.Min(int.MaxValue, (long)(await leaseBatch.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!));
                    }

                    await transaction.CommitAsync(CancellationToken.None).ConfigureAwait(false);
                    if (expired)
                    {
                        Log.LeaseExpired(_logger, message.MessageId, message.FlowId, deliveries - 1);
                    }

                    lock (_served)
                    {
                        _served[flowId] = ++_turn;
                    }

                    return (IFlowDelivery)new Delivery(this, seq, lease, message, deliveries, new DateTimeOffset(expires, TimeSpan.Zero));
                }
            }

            return null;
        }, CancellationToken.None, relaxed: true).ConfigureAwait(false);
    }

    private void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private ValueTask<int> SettleAsync(string sql, CancellationToken cancellationToken, params object?[] parameters) =>
        _database.RunAsync(async (connection, ct) =>
        {
            // The change and the count in one round trip (one implicit transaction).
            var batch = new NpgsqlBatch(connection);
            await using (batch.ConfigureAwait(false))
            {
                var change = BatchCommand(sql, parameters);
                batch.BatchCommands.Add(change);
                batch.BatchCommands.Add(BatchCommand($"SELECT count(*) FROM queue WHERE {Ready};", _time.GetUtcNow().UtcTicks));
                Volatile.Write(ref _count, (int)Math.Min(int.MaxValue, (long)(await batch.ExecuteScalarAsync(ct).ConfigureAwait(false))!));
                return change.RecordsAffected;
            }
        }, cancellationToken, relaxed: true);

    /// <summary>An enqueue waiting for the next group commit.</summary>
    private sealed class PendingEnqueue(QueuedMessage[] messages, byte[][] bodies)
    {
        public QueuedMessage[] Messages => messages;

        public byte[][] Bodies => bodies;

        public TaskCompletionSource<bool[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    /// <summary>One delivery: the row's lease, identified by its own id, so a lost delivery (expired and delivered again) is inert.</summary>
    private sealed class Delivery(PostgreSqlFlowQueue queue, long seq, Guid lease, QueuedMessage message, int deliveryCount, DateTimeOffset expires) : IFlowDelivery
    {
        private long _expires = expires.UtcTicks;
        private volatile bool _settled;

        public QueuedMessage Message => message;

        public int DeliveryCount => deliveryCount;

        public DateTimeOffset LeaseExpiresAt => new(Interlocked.Read(ref _expires), TimeSpan.Zero);

        public async ValueTask AckAsync(CancellationToken cancellationToken = default)
        {
            if (_settled)
            {
                return;
            }

            await queue.SettleAsync("DELETE FROM queue WHERE seq = $1 AND lease_id = $2;", cancellationToken, seq, lease).ConfigureAwait(false);
            _settled = true;
        }

        public async ValueTask AbandonAsync(TimeSpan delay, CancellationToken cancellationToken = default)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(delay, TimeSpan.Zero);
            if (_settled)
            {
                return;
            }

            var due = (queue._time.GetUtcNow() + delay).UtcTicks;
            await queue.SettleAsync("UPDATE queue SET lease_until = NULL, lease_id = NULL, not_before = $3 WHERE seq = $1 AND lease_id = $2;",
                cancellationToken, seq, lease, due).ConfigureAwait(false);
            _settled = true;
            queue.Wake();
        }

        public async ValueTask<bool> RenewAsync(CancellationToken cancellationToken = default)
        {
            if (_settled)
            {
                return false;
            }

            var now = queue._time.GetUtcNow().UtcTicks;
            var expires = now + queue.LeaseDuration.Ticks;
            var renewed = await queue._database.RunAsync(async (connection, ct) =>
            {
                await using var command = PostgreSqlDatabase.Command(connection,
                    "UPDATE queue SET lease_until = $3 WHERE seq = $1 AND lease_id = $2 AND lease_until > $4;", null, seq, lease, expires, now);
                return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
            }, cancellationToken, relaxed: true).ConfigureAwait(false);
            if (renewed)
            {
                Interlocked.Exchange(ref _expires, expires);
            }

            return renewed;
        }

        public override string ToString() => $"{message.MessageId} (delivery {deliveryCount})";
    }
}
