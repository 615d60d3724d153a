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
/// <para>Waiting dequeues look again when this node enqueues, abandons or frees a slot, and otherwise every
/// <see cref="PollInterval"/>: a message accepted by another node is picked within that. <see cref="Count"/> (ready rows, all
/// nodes) is as of this node's last operation on the queue. The capacity is checked in the insert; concurrent inserts on several
/// nodes may pass it by a few.</para>
/// </remarks>
internal sealed class PostgreSqlFlowQueue : IFlowQueue
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(200);

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
    private long _turn;
    private int _count;
    private int _pollFailures;

    public PostgreSqlFlowQueue(PostgreSqlDatabase database, IOptions<WebhookFlowsOptions> options, TimeProvider? time = null, ILogger<PostgreSqlFlowQueue>? logger = null)
    {
        _database = database;
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

        var bodies = messages.Select(QueuedMessageCodec.Encode).ToArray();
        var now = _time.GetUtcNow().UtcTicks;

        // Not cancellable once sent: the rows may be committed anyway, and then they must run.
        var accepted = await _database.InTransactionAsync(async (connection, transaction, _) =>
        {
            var result = new bool[messages.Count];
            var full = false;
            for (var i = 0; i < messages.Count; i++)
            {
                var message = messages[i];
                var notBefore = message.NotBefore?.UtcTicks ?? now;
                var delayed = notBefore > now;
                if (full && !delayed)
                {
                    continue;
                }

                // A delayed message (a rebound) was accepted long ago: never refused. A new one needs room among the ready rows.
                await using var insert = PostgreSqlDatabase.Command(connection, $"""
                    INSERT INTO queue (flow_id, message_id, body, not_before)
                    SELECT $2, $3, $4, $5 WHERE $6 OR (SELECT count(*) FROM queue WHERE {Ready}) < $7;
                    """, transaction, now, message.FlowId, message.MessageId, bodies[i], notBefore, delayed, (long)_capacity);
                result[i] = await insert.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false) == 1;
                full |= !result[i];
            }

            await RefreshCountAsync(connection, transaction, now).ConfigureAwait(false);
            return result;
        }, CancellationToken.None).ConfigureAwait(false);
        Wake();
        return accepted;
    }

    public async ValueTask<IFlowDelivery> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admission);
        using var slotFreed = admission.OnSlotFreed(Wake);
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var wake = Volatile.Read(ref _wake).Task;
            var wait = PollInterval;
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
                    await using (var leaseCommand = PostgreSqlDatabase.Command(connection,
                        "UPDATE queue SET deliveries = $2, lease_until = $3, lease_id = $4 WHERE seq = $1;", transaction, seq, deliveries, expires, lease))
                    {
                        await leaseCommand.ExecuteNonQueryAsync(CancellationToken.None).ConfigureAwait(false);
                    }

                    await RefreshCountAsync(connection, transaction, now).ConfigureAwait(false);
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

    private async Task RefreshCountAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, long now)
    {
        await using var count = PostgreSqlDatabase.Command(connection, $"SELECT count(*) FROM queue WHERE {Ready};", transaction, now);
        Volatile.Write(ref _count, (int)Math.Min(int.MaxValue, (long)(await count.ExecuteScalarAsync(CancellationToken.None).ConfigureAwait(false))!));
    }

    private void Wake() => Interlocked.Exchange(ref _wake, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    private ValueTask<int> SettleAsync(string sql, CancellationToken cancellationToken, params object?[] parameters) =>
        _database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, sql, null, parameters);
            var changed = await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
            await RefreshCountAsync(connection, null, _time.GetUtcNow().UtcTicks).ConfigureAwait(false);
            return changed;
        }, cancellationToken, relaxed: true);

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
