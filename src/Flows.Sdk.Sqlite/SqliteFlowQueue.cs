using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The durable queue of accepted messages. An enqueue returns only after the message's row is committed (in a group commit with
/// the messages that arrived together; a batch in one commit), so the hook's <c>200</c> means "on disk". A dequeued message is
/// leased, not deleted: its row stays, with its delivery count, until its delivery is acknowledged. At start every row left by
/// the previous process (accepted but not finished) is delivered again. Delivery is at least once.
/// </summary>
/// <remarks>
/// The rows are the truth; the in-process part (<see cref="LeasedFlowQueue"/>) orders the ready ones for the workers (round-robin
/// across flows, skipping flows at their fair share), holds each delayed or abandoned one on a <see cref="TimeProvider"/> timer
/// until it is due (its <c>not_before</c>), and times the leases. One process owns a database file at a time, so a lease lives
/// in that process: the row's <c>leased_at</c> and <c>deliveries</c> record it, and a restart ends every lease.
/// </remarks>
internal sealed class SqliteFlowQueue : LeasedFlowQueue
{
    private const string Insert = """
        INSERT INTO queue (message_id, execution_id, flow_id, received_at, not_before, data)
        VALUES ($message, $execution, $flow, $received, $notBefore, $data) RETURNING seq;
        """;

    private readonly SqliteDatabase _database;
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, ReplayRow> _replays = new(StringComparer.Ordinal);
    private readonly ILogger<SqliteFlowQueue> _logger;
    private readonly Lazy<Task> _loaded;
    private readonly IHostApplicationLifetime? _lifetime;
    private readonly System.Collections.Concurrent.ConcurrentQueue<Lease> _leases = new();
    private readonly Func<SqliteDatabase.WriteContext, int> _writeLeases;
    private int _leaseWriteQueued;

    public SqliteFlowQueue(
        SqliteDatabase database,
        IOptions<WebhookFlowsOptions> options,
        TimeProvider time,
        ILogger<SqliteFlowQueue> logger,
        IHostApplicationLifetime? lifetime = null)
        : base(options.Value.QueueCapacity, options.Value.QueueLeaseDuration, time)
    {
        _lifetime = lifetime;
        _database = database;
        _logger = logger;
        _loaded = new Lazy<Task>(() => Task.Run(LoadAsync), LazyThreadSafetyMode.ExecutionAndPublication);
        _writeLeases = WriteLeases;
    }

    /// <summary>The database the rows are in.</summary>
    internal SqliteDatabase Database => _database;

    /// <summary>
    /// Holds a replay registration until the message of its request is kept: it is written in the same transaction
    /// (see <see cref="SqliteReplayStore"/>).
    /// </summary>
    internal void AttachReplay(ReplayRow row) => _replays[row.RequestId] = row;

    /// <summary>Drops a registration whose message is not queued after all; returns whether it was still held.</summary>
    internal bool DetachReplay(string requestId)
    {
        if (_replays.TryRemove(requestId, out var row))
        {
            row.Ended();
            return true;
        }

        return false;
    }

    /// <summary>Reads the rows left by the previous process into the ready messages and the timers, once.</summary>
    public Task EnsureLoadedAsync() => _loaded.Value;

    /// <summary>The number of rows in the queue table: accepted messages not yet acknowledged (waiting, delayed or running).</summary>
    public async ValueTask<long> CountRowsAsync()
    {
        await _database.FlushAsync().ConfigureAwait(false);
        return await _database.ReadAsync(context =>
        {
            var command = context.Command("SELECT COUNT(*) FROM queue;");
            return (long)command.ExecuteScalar()!;
        }).ConfigureAwait(false);
    }

    protected override ValueTask BeforeUseAsync(CancellationToken cancellationToken)
    {
        var loaded = EnsureLoadedAsync();
        return loaded.IsCompletedSuccessfully ? default : new(loaded.WaitAsync(cancellationToken));
    }

    protected override async ValueTask<long> KeepAsync(QueuedMessage message)
    {
        var data = QueuedMessageCodec.Encode(message);
        var replay = TakeReplay(message);
        try
        {
            return await _database.WriteAsync(
                context =>
                {
                    if (replay is not null)
                    {
                        SqliteReplayStore.Insert(context, replay);
                    }

                    return InsertRow(InsertCommand(context), message, data);
                },
                multiStatement: replay is not null).ConfigureAwait(false);
        }
        finally
        {
            replay?.Ended();
        }
    }

    /// <summary>The replay registration held for a first delivery's request, taken so that it is written once.</summary>
    private ReplayRow? TakeReplay(QueuedMessage message) =>
        message.Request is not null && !_replays.IsEmpty && _replays.TryRemove(message.RequestId, out var row) ? row : null;

    protected override async ValueTask<IReadOnlyList<long>> KeepAsync(IReadOnlyList<QueuedMessage> messages)
    {
        var data = new byte[messages.Count][];
        var replays = new ReplayRow?[messages.Count];
        var anyReplay = false;
        for (var i = 0; i < data.Length; i++)
        {
            data[i] = QueuedMessageCodec.Encode(messages[i]);
            anyReplay |= (replays[i] = TakeReplay(messages[i])) is not null;
        }

        // One write item: the batch (with the replay registrations of its messages) is committed (or not) as a whole.
        try
        {
            return await _database.WriteAsync<IReadOnlyList<long>>(context =>
            {
                var seqs = new long[messages.Count];
                for (var i = 0; i < seqs.Length; i++)
                {
                    if (replays[i] is { } replay)
                    {
                        SqliteReplayStore.Insert(context, replay);
                    }

                    seqs[i] = InsertRow(InsertCommand(context), messages[i], data[i]);
                }

                return seqs;
            }, multiStatement: messages.Count > 1 || anyReplay).ConfigureAwait(false);
        }
        finally
        {
            foreach (var replay in replays)
            {
                replay?.Ended();
            }
        }
    }

    protected override void OnLeased(QueueEntry entry, int deliveries, DateTimeOffset leasedAt)
    {
        // Counting the delivery in the row makes a redelivery after a restart count on from it. The leases taken since the
        // writer last wrote them go as one write item (one queued at a time): a lease is written before anything queued after it.
        _leases.Enqueue(new Lease(entry, deliveries, leasedAt.UtcTicks));
        if (Interlocked.Exchange(ref _leaseWriteQueued, 1) == 0)
        {
            _database.QueueBehind(_writeLeases);
        }
    }

    /// <summary>Runs on the writer: the leases taken since the last such write, each unless its delivery is acknowledged already.</summary>
    private int WriteLeases(SqliteDatabase.WriteContext context)
    {
        // Reset first: a lease taken from now on queues a write of its own (which may find it taken by this one: harmless).
        Volatile.Write(ref _leaseWriteQueued, 0);
        var changed = 0;
        while (_leases.TryDequeue(out var lease))
        {
            if (lease.Entry.Acknowledged)
            {
                continue; // Run and acknowledged before the writer got here: the DELETE queued after this makes the lease moot.
            }

            var command = context.Prepared("UPDATE queue SET deliveries = $deliveries, leased_at = $leased WHERE seq = $seq;", "$deliveries", "$leased", "$seq");
            var parameters = command.Parameters;
            parameters[0].Value = lease.Deliveries;
            parameters[1].Value = lease.LeasedAt;
            parameters[2].Value = lease.Entry.Seq;
            changed += command.ExecuteNonQuery();
        }

        return changed;
    }

    /// <remarks>
    /// Written behind: when the execution's run-log write is still waiting for the writer, the acknowledgement joins it (the row
    /// is deleted in the same transaction, after the execution's rows); otherwise it is queued after the run-log writes of the
    /// message (the writer keeps their order) and committed with the next group. Lost in a crash, the message is delivered
    /// again: at least once.
    /// </remarks>
    protected override ValueTask OnAcknowledgedAsync(QueueEntry entry)
    {
        var executionId = entry.Message.ExecutionId;
        if (_database.FoldAck is { } fold && fold(executionId, entry.Seq))
        {
            return default;
        }

        var seq = entry.Seq;
        _database.QueueBehind(context => DeleteAcknowledged(context, _database, executionId, seq));
        return default;
    }

    /// <summary>Runs on the writer: deletes an acknowledged message's row, unless its execution's run log was not kept.</summary>
    internal static int DeleteAcknowledged(SqliteDatabase.WriteContext context, SqliteDatabase database, string executionId, long seq)
    {
        if (!database.UnloggedExecutions.IsEmpty && database.UnloggedExecutions.TryRemove(executionId, out _))
        {
            // Its run log was not kept (a storage fault): the row stays, and the message is delivered again after a restart.
            return 0;
        }

        var command = context.Prepared("DELETE FROM queue WHERE seq = $seq;", "$seq");
        command.Parameters[0].Value = seq;
        return command.ExecuteNonQuery();
    }

    protected override void OnAbandoned(QueueEntry entry, DateTimeOffset due)
    {
        // The row's not_before (not the message's) says when it is due: after a restart it waits as it would have.
        _ = _database.WriteBehind(context =>
        {
            var command = context.Command("UPDATE queue SET not_before = $due, leased_at = NULL WHERE seq = $seq;");
            command.Parameters.AddWithValue("$due", due.UtcTicks);
            command.Parameters.AddWithValue("$seq", entry.Seq);
            return command.ExecuteNonQuery();
        });
    }

    protected override void OnLeaseExpired(QueueEntry entry) =>
        Log.LeaseExpired(_logger, entry.Message.MessageId, entry.Message.FlowId, entry.Deliveries);

    private static SqliteCommand InsertCommand(SqliteDatabase.WriteContext context) =>
        context.Prepared(Insert, "$message", "$execution", "$flow", "$received", "$notBefore", "$data");

    private static long InsertRow(SqliteCommand command, QueuedMessage message, byte[] data)
    {
        var parameters = command.Parameters;
        parameters[0].Value = message.MessageId;
        parameters[1].Value = message.ExecutionId;
        parameters[2].Value = message.FlowId;
        parameters[3].Value = message.ReceivedAt.UtcTicks;
        parameters[4].Value = message.NotBefore is { } notBefore ? notBefore.UtcTicks : DBNull.Value;
        parameters[5].Value = data;
        return (long)command.ExecuteScalar()!;
    }

    /// <summary>A lease to record in the message's row.</summary>
    private readonly record struct Lease(QueueEntry Entry, int Deliveries, long LeasedAt);

    /// <summary>
    /// A row's message: the wire form (<see cref="QueuedMessageCodec"/>, a BLOB) or, in a row left by a version before it, the
    /// record's JSON text, whose body is the trigger's whole output (so it needs no <see cref="QueuedMessage.Request"/>).
    /// </summary>
    internal static QueuedMessage ReadMessage(SqliteDataReader reader, int ordinal) =>
        reader.GetFieldType(ordinal) == typeof(byte[])
            ? QueuedMessageCodec.Read(reader.GetFieldValue<byte[]>(ordinal))
            : LegacyQueuedMessage.Read(reader.GetString(ordinal));

    private async Task LoadAsync()
    {
        var rows = await _database.ReadAsync(context =>
        {
            var command = context.Command("SELECT seq, deliveries, not_before, data FROM queue ORDER BY seq;");
            using var reader = command.ExecuteReader();
            var result = new List<(QueueEntry Entry, long? NotBefore)>();
            while (reader.Read())
            {
                var message = ReadMessage(reader, 3);
                result.Add((new QueueEntry(message, reader.GetInt64(0), reader.GetInt32(1)), reader.IsDBNull(2) ? null : reader.GetInt64(2)));
            }

            return result;
        }).ConfigureAwait(false);

        if (rows.Count > 0)
        {
            Log.Redelivering(_logger, rows.Count);
        }

        var now = Time.GetUtcNow();
        var ready = new List<QueueEntry>();
        foreach (var (entry, notBefore) in rows)
        {
            if (notBefore is { } ticks && new DateTimeOffset(ticks, TimeSpan.Zero) is var due && due > now)
            {
                ReleaseAt(entry, due);
            }
            else
            {
                // Accepted before the restart: it counts as waiting but is never refused.
                ready.Add(entry);
            }
        }

        // In a host, the messages left by the previous process run once the host has started (its own endpoints, which an
        // action may call, are listening then); they are in the database already, so holding them back loses nothing.
        if (_lifetime is null || ready.Count == 0)
        {
            Release(ready);
        }
        else
        {
            _lifetime.ApplicationStarted.Register(() => Release(ready));
        }
    }
}
