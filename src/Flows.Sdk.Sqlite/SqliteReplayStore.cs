using System.Collections.Concurrent;
using Flows.Sdk.Hooks;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The durable <see cref="IReplayStore"/>: one row per (flow, message id) in <c>replay_ids</c>, so a restart does not forget
/// the ids accepted before it. Expired rows are deleted in the background of a registration, at most once a minute.
/// </summary>
/// <remarks>
/// A registration is written behind (not awaited) but queued on the writer before the message the hook queues after it, and
/// the writer commits in order: when the message's commit returns (the hook's <c>200</c>), the registration is on disk too.
/// Until its commit, this process knows it from <c>_pending</c>, so a replay arriving meanwhile is recognised. Of concurrent
/// registrations of one id, the one that claims the pending slot is first; the others see it there or, once committed, in
/// the table. One process owns the file (its lock), so no other writer registers ids meanwhile.
/// <para>
/// Crash window: when the registration's group commit is kept and the message's (a later group) is not, the sender got no
/// <c>200</c> and its retry is acknowledged as a replay of a message that was never queued. The writer usually takes both in
/// one group; the window is the moment between two groups.
/// </para>
/// </remarks>
internal sealed class SqliteReplayStore(SqliteDatabase database, TimeProvider time) : IReplayStore
{
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

        var expiresAt = claim.ExpiresAt;
        var written = database.WriteBehind(context =>
        {
            var command = context.Command("""
                INSERT INTO replay_ids (flow_id, message_id, request_id, expires_at) VALUES ($flow, $message, $request, $expires)
                ON CONFLICT (flow_id, message_id) DO UPDATE SET request_id = excluded.request_id, expires_at = excluded.expires_at
                WHERE replay_ids.expires_at <= $now;
                """);
            command.Parameters.AddWithValue("$flow", flowId);
            command.Parameters.AddWithValue("$message", messageId);
            command.Parameters.AddWithValue("$request", requestId);
            command.Parameters.AddWithValue("$expires", expiresAt);
            command.Parameters.AddWithValue("$now", now);
            return command.ExecuteNonQuery();
        });

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

    /// <summary>A registration of this process whose commit is not seen yet.</summary>
    private sealed record Pending(string RequestId, long ExpiresAt);
}
