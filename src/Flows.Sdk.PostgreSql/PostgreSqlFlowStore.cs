using System.Collections.Concurrent;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Newtonsoft.Json;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// Flows and their published versions, as documents in <see cref="FlowsJson"/>'s stored form (<c>flows.data</c>,
/// <c>flow_versions.data</c>), with the columns the store queries beside them (revision, state, versions, times). An update
/// is a compare-and-set of the revision; a version is added in the same transaction, or nothing is changed.
/// </summary>
/// <remarks>
/// Other nodes change flows too, so a flow is read from the database on every call: one query that returns the document only
/// when its revision is not the one this node parsed last (kept per flow). Concurrent calls for one flow share that query
/// (one in flight per flow; callers arriving meanwhile share the next one). Versions never change, and are cached once read.
/// </remarks>
internal sealed class PostgreSqlFlowStore(PostgreSqlDatabase database) : IFlowStore
{
    private readonly ConcurrentDictionary<string, Flow> _parsed = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string FlowId, int Number), FlowVersion> _versions = new();
    private readonly Dictionary<string, ReadState> _reads = new(StringComparer.Ordinal);

    public ValueTask<Flow?> GetAsync(string flowId, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flowId);

        // Concurrent reads of one flow (every hook request and every execution reads its flow) share a query: a caller joins
        // the query that is waiting to be sent, never one already sent, so what it gets was read after it asked.
        Task<Flow?> read;
        lock (_reads)
        {
            if (_reads.TryGetValue(flowId, out var state))
            {
                state.Next ??= new TaskCompletionSource<Flow?>(TaskCreationOptions.RunContinuationsAsynchronously);
                read = state.Next.Task;
            }
            else
            {
                var first = new TaskCompletionSource<Flow?>(TaskCreationOptions.RunContinuationsAsynchronously);
                _reads[flowId] = new ReadState();
                read = first.Task;
                _ = ReadRoundsAsync(flowId, first);
            }
        }

        return read.IsCompleted ? new ValueTask<Flow?>(read) : new ValueTask<Flow?>(read.WaitAsync(cancellationToken));
    }

    /// <summary>Sends the read of <paramref name="flowId"/> for <paramref name="round"/>, then for those who joined meanwhile, until none did.</summary>
    private async Task ReadRoundsAsync(string flowId, TaskCompletionSource<Flow?> round)
    {
        while (true)
        {
            try
            {
                round.TrySetResult(await ReadAsync(flowId).ConfigureAwait(false));
            }
            catch (Exception e)
            {
                round.TrySetException(e);
            }

            lock (_reads)
            {
                var state = _reads[flowId];
                if (state.Next is null)
                {
                    _reads.Remove(flowId);
                    return;
                }

                round = state.Next;
                state.Next = null;
            }
        }
    }

    private async Task<Flow?> ReadAsync(string flowId)
    {
        var known = _parsed.TryGetValue(flowId, out var cached) ? cached.Revision : -1;
        var (found, data) = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "SELECT revision, CASE WHEN revision = $2 THEN NULL ELSE data END FROM flows WHERE id = $1;", null, flowId, known);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? (true, reader.IsDBNull(1) ? null : reader.GetString(1)) : (false, (string?)null);
        }, CancellationToken.None).ConfigureAwait(false);
        if (!found)
        {
            _parsed.TryRemove(flowId, out _);
            return null;
        }

        if (data is null && cached is not null)
        {
            return cached;
        }

        var flow = FlowsJson.ReadFlow(FlowsJson.Parse(data!));
        _parsed[flowId] = flow;
        return flow;
    }

    public async ValueTask<IReadOnlyList<Flow>> ListAsync(CancellationToken cancellationToken = default) =>
        await database.RunAsync<IReadOnlyList<Flow>>(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, "SELECT data FROM flows ORDER BY created_at, id;");
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var flows = new List<Flow>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                flows.Add(FlowsJson.ReadFlow(FlowsJson.Parse(reader.GetString(0))));
            }

            return flows;
        }, cancellationToken).ConfigureAwait(false);

    public async ValueTask AddAsync(Flow flow, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var data = FlowsJson.Flow(flow).ToString(Formatting.None);
        var added = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, """
                INSERT INTO flows (id, created_at, updated_at, revision, state, latest_version, live_version, data)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (id) DO NOTHING;
                """, null, [flow.Id, flow.CreatedAt.UtcTicks, .. Columns(flow), data]);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
        if (!added)
        {
            throw new InvalidOperationException($"A flow with id '{flow.Id}' exists.");
        }
    }

    public async ValueTask<bool> TryUpdateAsync(Flow flow, long expectedRevision, FlowVersion? newVersion = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(flow);
        var data = FlowsJson.Flow(flow).ToString(Formatting.None);
        var versionData = newVersion is null ? null : FlowsJson.Version(newVersion).ToString(Formatting.None);
        return await database.RunAsync(async (connection, ct) =>
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var update = PostgreSqlDatabase.Command(connection, """
                    UPDATE flows SET updated_at = $2, revision = $3, state = $4, latest_version = $5, live_version = $6, data = $7
                    WHERE id = $1 AND revision = $8;
                    """, transaction, [flow.Id, .. Columns(flow), data, expectedRevision]))
                {
                    if (await update.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
                    {
                        return false;
                    }
                }

                if (newVersion is not null)
                {
                    await using var insert = PostgreSqlDatabase.Command(connection,
                        "INSERT INTO flow_versions (flow_id, version, published_at, data) VALUES ($1, $2, $3, $4) ON CONFLICT (flow_id, version) DO NOTHING;",
                        transaction, newVersion.FlowId, newVersion.Number, newVersion.PublishedAt.UtcTicks, versionData);
                    if (await insert.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
                    {
                        // The version exists: nothing changes (the transaction is rolled back when disposed).
                        return false;
                    }
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            }
        }, cancellationToken).ConfigureAwait(false);
    }

    public async ValueTask<bool> DeleteAsync(string flowId, long expectedRevision, CancellationToken cancellationToken = default)
    {
        var deleted = await database.RunAsync(async (connection, ct) =>
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                await using (var flow = PostgreSqlDatabase.Command(connection, "DELETE FROM flows WHERE id = $1 AND revision = $2;", transaction, flowId, expectedRevision))
                {
                    if (await flow.ExecuteNonQueryAsync(ct).ConfigureAwait(false) != 1)
                    {
                        return false;
                    }
                }

                await using (var versions = PostgreSqlDatabase.Command(connection, "DELETE FROM flow_versions WHERE flow_id = $1;", transaction, flowId))
                {
                    await versions.ExecuteNonQueryAsync(ct).ConfigureAwait(false);
                }

                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return true;
            }
        }, cancellationToken).ConfigureAwait(false);
        if (deleted)
        {
            _parsed.TryRemove(flowId, out _);
            foreach (var key in _versions.Keys.Where(k => k.FlowId == flowId).ToList())
            {
                _versions.TryRemove(key, out _);
            }
        }

        return deleted;
    }

    public async ValueTask<FlowVersion?> GetVersionAsync(string flowId, int version, CancellationToken cancellationToken = default)
    {
        if (_versions.TryGetValue((flowId, version), out var cached))
        {
            return cached;
        }

        var data = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, "SELECT data FROM flow_versions WHERE flow_id = $1 AND version = $2;", null, flowId, version);
            return await command.ExecuteScalarAsync(ct).ConfigureAwait(false) as string;
        }, cancellationToken).ConfigureAwait(false);
        if (data is null)
        {
            return null;
        }

        var read = FlowsJson.ReadVersion(FlowsJson.Parse(data));
        _versions.TryAdd((flowId, version), read);
        return read;
    }

    /// <summary>A flow's read in flight, and the callers waiting for the next one.</summary>
    private sealed class ReadState
    {
        public TaskCompletionSource<Flow?>? Next { get; set; }
    }

    private static object?[] Columns(Flow flow) =>
        [flow.UpdatedAt.UtcTicks, flow.Revision, flow.State.ToString().ToLowerInvariant(), flow.LatestVersion, flow.LiveVersion];
}
