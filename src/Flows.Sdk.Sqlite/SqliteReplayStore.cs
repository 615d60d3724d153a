using System.Collections.Concurrent;
using Flows.Sdk.Execution;
using Flows.Sdk.Hooks;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The durable <see cref="IReplayStore"/>: one row per (flow, message id) in <c>replay_ids</c>, so a restart does not forget
/// the ids accepted before it. Expired rows are deleted in the background of a registration, at most once a minute.
/// </summary>
/// <remarks>
/// With the SQLite queue of the same file (as <c>UseSqlite</c> registers them), a registration is handed to the queue and
/// written in the same transaction as the message the hook queues for it (the queue finds it by the message's request id):
/// both are kept or neither is, so a crash between them cannot make the sender's retry look like a replay. Without that
/// queue, the registration is written behind (not awaited) on the writer, which commits in order. Until its commit, this
/// process knows it from <c>_pending</c>, so a replay arriving meanwhile is recognised. Of concurrent registrations of one id,
/// the one that claims the pending slot is first; the others see it there or, once committed, in the table. One process owns
/// the file (its lock), so no other writer registers ids meanwhile.
/// </remarks>
internal sealed class SqliteReplayStore(SqliteDatabase database, TimeProvider time, IFlowQueue? queue = null) : IReplayStore
{
    private const string InsertSql = """
        INSERT INTO replay_ids (flow_id, message_id, request_id, expires_at) VALUES ($flow, $message, $request, $expires)
        ON CONFLICT (flow_id, message_id) DO UPDATE SET request_id = excluded.request_id, expires_at = excluded.expires_at
        WHERE replay_ids.expires_at <= $now;
        """;

    /// <summary>The queue that writes registrations with their messages, when it is the SQLite queue of this file.</summary>
    private readonly SqliteFlowQueue? _queue = queue is SqliteFlowQueue sqlite && sqlite.Database == database ? sqlite : null;

    private static readonly long CleanupIntervalTicks = TimeSpan.FromMinutes(1).Ticks;

    private readonly ConcurrentDictionary<(string FlowId, string MessageId), Pending> _pending = new();
    private long _nextCleanup;

    /// <summary>How many registrations are not committed yet (tests).</summary>
    internal int PendingCount => _pending.Count;

    public async ValueTask<ReplayRegistration> TryRegisterAsync(
        string flowId, string messageId, string requestId, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var now = time.GetUtcNow().UtcTicks;
        var key = (flowId, messageId);
        var claim = new Pending(requestId, now + window.Ticks);
        while (true)
        {
            if (_pending.TryGetValue(key, out var pending))
            {
                if (pending.ExpiresAt > now)
                {
                    return new ReplayRegistration(false, pending.RequestId);
                }

                // Its window passed before its commit was seen: it is no registration any more.
                _pending.TryRemove(new KeyValuePair<(string, string), Pending>(key, pending));
                continue;
            }

            if (await FindAsync(flowId, messageId, now).ConfigureAwait(false) is { } committed)
            {
                return new ReplayRegistration(false, committed);
            }

            if (_pending.TryAdd(key, claim))
            {
                break;
            }

            // Another registration of the id claimed the slot meanwhile: it is seen on the next turn (pending or committed).
        }

        // A registration of the same id may have been committed, and left the pending slots, between the read and the claim.
        if (await FindAsync(flowId, messageId, now).ConfigureAwait(false) is { } earlier)
        {
            _pending.TryRemove(new KeyValuePair<(string, string), Pending>(key, claim));
            return new ReplayRegistration(false, earlier);
        }

        var row = new ReplayRow(flowId, messageId, requestId, claim.ExpiresAt, now);
        Task written;
        if (_queue is not null)
        {
            // Written with the message, in its transaction; the hook queues the message next, or forgets the registration.
            _queue.AttachReplay(row);
            written = row.Written;
        }
        else
        {
            written = database.WriteBehind(context => Insert(context, row));
        }

        // Committed (now found in the table) or lost (a storage fault: then the message queued after it failed too).
        _ = written.ContinueWith(
            static (_, state) =>
            {
                var (pending, entry) = ((ConcurrentDictionary<(string, string), Pending>, KeyValuePair<(string, string), Pending>))state!;
                pending.TryRemove(entry);
            },
            (_pending, new KeyValuePair<(string, string), Pending>(key, claim)),
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);

        DeleteExpiredNowAndThen(now);
        return new ReplayRegistration(true, requestId);
    }

    public async ValueTask ForgetAsync(string flowId, string messageId, string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(requestId);
        _queue?.DetachReplay(requestId);

        // Awaited: the sender's retry, which may follow the hook's answer at once, must find the id gone.
        await database.WriteAsync(context =>
        {
            var command = context.Command("DELETE FROM replay_ids WHERE flow_id = $flow AND message_id = $message AND request_id = $request;");
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$message", messageId);
            command.Parameters.AddWithValue("$request", requestId);
            return command.ExecuteNonQuery();
        }).ConfigureAwait(false);
        if (_pending.TryGetValue((flowId, messageId), out var pending) && pending.RequestId == requestId)
        {
            _pending.TryRemove(new KeyValuePair<(string, string), Pending>((flowId, messageId), pending));
        }
    }

    /// <summary>The request id of a live registration in the table, or <see langword="null"/>.</summary>
    private ValueTask<string?> FindAsync(string flowId, string messageId, long now) =>
        database.ReadAsync(context =>
        {
            var command = context.Command("SELECT request_id FROM replay_ids WHERE flow_id = $flow AND message_id = $message AND expires_at > $now;");
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$message", messageId);
            command.Parameters.AddWithValue("$now", now);
            return command.ExecuteScalar() as string;
        });

    private void DeleteExpiredNowAndThen(long now)
    {
        var next = Volatile.Read(ref _nextCleanup);
        if (now < next || Interlocked.CompareExchange(ref _nextCleanup, now + CleanupIntervalTicks, next) != next)
        {
            return;
        }

        _ = database.WriteBehind(context =>
        {
            var command = context.Command("DELETE FROM replay_ids WHERE expires_at <= $now;");
            command.Parameters.AddWithValue("$now", now);
            return command.ExecuteNonQuery();
        });
    }

    /// <summary>Deletes the expired rows now, and returns how many rows are left (tests).</summary>
    internal Task<int> DeleteExpiredAsync() =>
        database.WriteAsync(context =>
        {
            var delete = context.Command("DELETE FROM replay_ids WHERE expires_at <= $now;");
            delete.Parameters.AddWithValue("$now", time.GetUtcNow().UtcTicks);
            delete.ExecuteNonQuery();
            return Convert.ToInt32(context.Command("SELECT COUNT(*) FROM replay_ids;").ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }, multiStatement: true);

    /// <summary>Writes a registration (on the writer, inside the caller's transaction).</summary>
    internal static int Insert(SqliteDatabase.WriteContext context, ReplayRow row)
    {
        var command = context.Command(InsertSql);
        command.Parameters.AddWithValue("$flow", row.FlowId);
        command.Parameters.AddWithValue("$message", row.MessageId);
        command.Parameters.AddWithValue("$request", row.RequestId);
        command.Parameters.AddWithValue("$expires", row.ExpiresAt);
        command.Parameters.AddWithValue("$now", row.Now);
        return command.ExecuteNonQuery();
    }

    /// <summary>A registration of this process whose commit is not seen yet.</summary>
    private sealed record Pending(string RequestId, long ExpiresAt);
}

/// <summary>A replay registration to write; <see cref="Written"/> completes when its transaction ended (kept or not).</summary>
internal sealed record ReplayRow(string FlowId, string MessageId, string RequestId, long ExpiresAt, long Now)
{
    private readonly TaskCompletionSource _written = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public Task Written => _written.Task;

    public void Ended() => _written.TrySetResult();
}
