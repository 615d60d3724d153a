using System.Runtime.CompilerServices;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The durable queue of accepted messages. <see cref="TryEnqueueAsync"/> returns only after the message's row is committed
/// (in a group commit with the messages that arrived together), so the hook's <c>200</c> means "on disk". A dequeued message is
/// leased, not deleted: its row stays, with its delivery count, until <see cref="AcknowledgeAsync"/>. At start every row left
/// by the previous process (accepted but not finished) is delivered again. Delivery is at least once.
/// </summary>
/// <remarks>
/// The rows are the truth; the in-process <see cref="ReadyMessages"/> only orders the ready ones for the workers (round-robin
/// across flows, skipping flows at their fair share), and a <see cref="TimeProvider"/> timer holds each delayed one until its
/// <see cref="QueuedMessage.NotBefore"/>. One process owns a database file at a time.
/// </remarks>
internal sealed class SqliteFlowQueue : IFlowQueue, IDisposable
{
    private readonly SqliteDatabase _database;
    private readonly TimeProvider _time;
    private readonly ILogger<SqliteFlowQueue> _logger;
    private readonly int _capacity;
    private readonly ReadyMessages _ready = new();
    private readonly ConditionalWeakTable<QueuedMessage, Row> _rows = new();
    private readonly CancellationTokenSource _disposed = new();
    private readonly CancellationToken _stopping;
    private readonly Lazy<Task> _loaded;
    private readonly IHostApplicationLifetime? _lifetime;
    private int _waiting;

    public SqliteFlowQueue(
        SqliteDatabase database,
        IOptions<WebhookFlowsOptions> options,
        TimeProvider time,
        ILogger<SqliteFlowQueue> logger,
        IHostApplicationLifetime? lifetime = null)
    {
        _lifetime = lifetime;
        _database = database;
        _time = time;
        _logger = logger;
        _capacity = options.Value.QueueCapacity;
        _stopping = _disposed.Token;
        _loaded = new Lazy<Task>(() => Task.Run(LoadAsync), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The messages waiting to be dequeued (ready ones; delayed ones join when due).</summary>
    public int Count => _ready.Count;

    /// <summary>Reads the rows left by the previous process into the ready channel and the timers, once.</summary>
    public Task EnsureLoadedAsync() => _loaded.Value;

    public async ValueTask<bool> TryEnqueueAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        await EnsureLoadedAsync().ConfigureAwait(false);

        // A delayed message (a rebound) was accepted long ago: it is never refused. A new one needs room, as in memory.
        var delayed = message.NotBefore is { } due && due > _time.GetUtcNow();
        if (!delayed && Interlocked.Increment(ref _waiting) > _capacity)
        {
            Interlocked.Decrement(ref _waiting);
            return false;
        }

        var json = SqliteJson.Serialize(message);
        long row;
        try
        {
            // Not cancellable once handed to the writer: the commit may happen anyway, and then the message must run.
            row = await _database.WriteAsync(context =>
            {
                var command = context.Command("""
                    INSERT INTO queue (message_id, execution_id, flow_id, received_at, not_before, data)
                    VALUES ($message, $execution, $flow, $received, $notBefore, $data) RETURNING seq;
                    """);
                command.Parameters.AddWithValue("$message", message.MessageId);
                command.Parameters.AddWithValue("$execution", message.ExecutionId);
                command.Parameters.AddWithValue("$flow", message.FlowId);
                command.Parameters.AddWithValue("$received", message.ReceivedAt.UtcTicks);
                command.Parameters.AddWithValue("$notBefore", message.NotBefore is { } notBefore ? notBefore.UtcTicks : DBNull.Value);
                command.Parameters.AddWithValue("$data", json);
                return (long)command.ExecuteScalar()!;
            }).ConfigureAwait(false);
        }
        catch
        {
            if (!delayed)
            {
                Interlocked.Decrement(ref _waiting);
            }

            throw;
        }

        _rows.AddOrUpdate(message, new Row(row, 0));
        if (delayed)
        {
            Schedule(message);
        }
        else
        {
            _ready.Add(message);
        }

        return true;
    }

    public async ValueTask<QueuedMessage> DequeueAsync(IFlowAdmission admission, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(admission);
        await EnsureLoadedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        var message = await _ready.TakeAsync(admission, cancellationToken).ConfigureAwait(false);
        Interlocked.Decrement(ref _waiting);

        // The lease: the row stays until acknowledged; counting the delivery makes redeliveries visible (in the row, and in
        // the run log through the database's delivery registry).
        var row = RowOf(message);
        var deliveries = Interlocked.Increment(ref row.Deliveries);
        _database.Deliveries[message.ExecutionId] = deliveries;
        var leasedAt = _time.GetUtcNow().UtcTicks;
        _ = _database.WriteBehind(context =>
        {
            if (Volatile.Read(ref row.Acknowledged))
            {
                return 0; // Run and acknowledged before the writer got here: the DELETE queued after this makes the lease moot.
            }

            var command = context.Command("UPDATE queue SET deliveries = $deliveries, leased_at = $leased WHERE seq = $seq;");
            command.Parameters.AddWithValue("$deliveries", deliveries);
            command.Parameters.AddWithValue("$leased", leasedAt);
            command.Parameters.AddWithValue("$seq", row.Seq);
            return command.ExecuteNonQuery();
        });
        return message;
    }

    /// <remarks>
    /// Written behind: queued after the run-log writes of the message (the writer keeps their order) and committed with the
    /// next group. Lost in a crash, the message is delivered again: at least once.
    /// </remarks>
    public ValueTask AcknowledgeAsync(QueuedMessage message, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(message);
        var row = RowOf(message);
        Volatile.Write(ref row.Acknowledged, true);
        var executionId = message.ExecutionId;
        _ = _database.WriteBehind(context =>
        {
            if (_database.UnloggedExecutions.TryRemove(executionId, out _))
            {
                // Its run log was not kept (a storage fault): the row stays, and the message is delivered again after a restart.
                return 0;
            }

            var command = context.Command("DELETE FROM queue WHERE seq = $seq;");
            command.Parameters.AddWithValue("$seq", row.Seq);
            return command.ExecuteNonQuery();
        });
        _rows.Remove(message);
        _database.Deliveries.TryRemove(new KeyValuePair<string, int>(message.ExecutionId, row.Deliveries));
        return default;
    }

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

    public void Dispose()
    {
        // Not disposed: timers still running may read its token.
        _disposed.Cancel();
    }

    private Row RowOf(QueuedMessage message) =>
        _rows.TryGetValue(message, out var row)
            ? row
            : throw new InvalidOperationException($"Message '{message.MessageId}' was not delivered by this queue.");

    private async Task LoadAsync()
    {
        var rows = await _database.ReadAsync(context =>
        {
            var command = context.Command("SELECT seq, deliveries, data FROM queue ORDER BY seq;");
            using var reader = command.ExecuteReader();
            var result = new List<(Row Row, QueuedMessage Message)>();
            while (reader.Read())
            {
                result.Add((new Row(reader.GetInt64(0), reader.GetInt32(1)), SqliteJson.Deserialize<QueuedMessage>(reader.GetString(2))));
            }

            return result;
        }).ConfigureAwait(false);

        if (rows.Count > 0)
        {
            Log.Redelivering(_logger, rows.Count);
        }

        var now = _time.GetUtcNow();
        var ready = new List<QueuedMessage>();
        foreach (var (row, message) in rows)
        {
            _rows.AddOrUpdate(message, row);
            if (message.NotBefore is { } due && due > now)
            {
                Schedule(message);
            }
            else
            {
                // Accepted before the restart: it counts as waiting but is never refused.
                Interlocked.Increment(ref _waiting);
                ready.Add(message);
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

    private void Release(List<QueuedMessage> messages) => _ready.AddRange(messages);

    /// <summary>A message's row and how many times it was delivered.</summary>
    private sealed class Row(long seq, int deliveries)
    {
        public readonly long Seq = seq;
        public int Deliveries = deliveries;
        public bool Acknowledged;
    }

    private void Schedule(QueuedMessage message)
    {
        var delay = message.NotBefore!.Value - _time.GetUtcNow();
        var token = _stopping;
        _ = Task.Run(async () =>
        {
            try
            {
                if (delay > TimeSpan.Zero)
                {
                    await Task.Delay(delay, _time, token).ConfigureAwait(false);
                }

                Interlocked.Increment(ref _waiting);
                _ready.Add(message);
            }
            catch (OperationCanceledException)
            {
                // Shutting down: the row stays and the message is delivered after the restart.
            }
        }, CancellationToken.None);
    }
}
