using Flows.Sdk.Hooks;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The replay ids of signed messages, shared by every node: one row per flow and message id with the first request id and
/// the end of its window. A registration is one upsert that takes the row only when there is none or its window ended, so of
/// concurrent registrations (on any nodes) exactly one is first; it is committed before the hook queues the message.
/// Expired rows are deleted in the background, at most once a minute per node.
/// </summary>
internal sealed class PostgreSqlReplayStore(PostgreSqlDatabase database, TimeProvider time) : IReplayStore
{
    private static readonly long CleanupIntervalTicks = TimeSpan.FromMinutes(1).Ticks;

    private long _nextCleanup;

    public async ValueTask<ReplayRegistration> TryRegisterAsync(
        string flowId, string messageId, string requestId, TimeSpan window, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(requestId);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(window, TimeSpan.Zero);
        var now = time.GetUtcNow().UtcTicks;
        var result = await database.RunAsync(async (connection, ct) =>
        {
            // The upsert returns a row only when it took the id (new, or the old registration's window ended); else the
            // CTE's fallback reads the registration holding it. One statement: no other registration can come in between.
            await using var command = PostgreSqlDatabase.Command(connection, """
                WITH taken AS (
                    INSERT INTO replay_ids (flow_id, message_id, request_id, expires_at) VALUES ($1, $2, $3, $4)
                    ON CONFLICT (flow_id, message_id) DO UPDATE SET request_id = excluded.request_id, expires_at = excluded.expires_at
                    WHERE replay_ids.expires_at <= $5
                    RETURNING request_id)
                SELECT true, request_id FROM taken
                UNION ALL
                SELECT false, request_id FROM replay_ids WHERE flow_id = $1 AND message_id = $2 AND NOT EXISTS (SELECT 1 FROM taken);
                """, null, flowId, messageId, requestId, now + window.Ticks, now);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? new ReplayRegistration(reader.GetBoolean(0), reader.GetString(1)) : (ReplayRegistration?)null;
        }, cancellationToken).ConfigureAwait(false);

        CleanupWhenDue(now);

        // No row at all: the holder was forgotten between the upsert's conflict and the read (a race with ForgetAsync); try again.
        return result ?? await TryRegisterAsync(flowId, messageId, requestId, window, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask ForgetAsync(string flowId, string messageId, string requestId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);
        ArgumentNullException.ThrowIfNull(messageId);
        ArgumentNullException.ThrowIfNull(requestId);
        await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "DELETE FROM replay_ids WHERE flow_id = $1 AND message_id = $2 AND request_id = $3;", null, flowId, messageId, requestId);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
        }, cancellationToken).ConfigureAwait(false);
    }

    private void CleanupWhenDue(long now)
    {
        var due = Interlocked.Read(ref _nextCleanup);
        if (now < due || Interlocked.CompareExchange(ref _nextCleanup, now + CleanupIntervalTicks, due) != due)
        {
            return;
        }

        _ = Task.Run(async () =>
        {
            try
            {
                await database.RunAsync(async (connection, ct) =>
                {
                    await using var command = PostgreSqlDatabase.Command(connection, "DELETE FROM replay_ids WHERE expires_at <= $1;", null, now);
                    return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }, CancellationToken.None).ConfigureAwait(false);
            }
            catch (Exception)
            {
                // Expired rows are never read as registrations; the next cleanup removes them.
            }
        });
    }
}
