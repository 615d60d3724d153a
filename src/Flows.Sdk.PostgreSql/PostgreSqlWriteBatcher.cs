using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// Group commit for the run log: the writes that callers hand in while a batch is in flight are sent together, as one
/// <see cref="NpgsqlBatch"/> (one round trip, one implicit transaction, one commit) on the relaxed pool. Each write is its
/// commands and what reads its result sets; a write's commands stay together and in order, and writes go in the order handed in.
/// </summary>
/// <remarks>
/// <para>When the combined batch fails on a statement (PostgreSQL rolls the whole batch back), each write of it is sent again
/// alone, so one bad write fails only its own caller. An unreachable database fails every write of the batch with the
/// <see cref="Storage.StorageUnavailableException"/> that <see cref="PostgreSqlDatabase.RunAsync{T}"/> raises.</para>
/// <para>One batch is in flight at a time (<see cref="MaxInFlight"/>), so writes commit in the order they were handed in: an
/// execution's start handed in without waiting is committed before its next write.</para>
/// </remarks>
internal sealed class PostgreSqlWriteBatcher(PostgreSqlDatabase database)
{
    /// <summary>How many batches may be in flight at once: one, so writes commit in the order they were handed in.</summary>
    public const int MaxInFlight = 1;

    /// <summary>The most writes sent in one batch.</summary>
    public const int MaxWritesPerBatch = 64;

    private readonly Queue<Write> _pending = new();
    private int _inFlight;

    /// <summary>Sends <paramref name="commands"/> with the next batch; <paramref name="read"/> is given each of their result sets in turn.</summary>
    /// <param name="commands">Makes the write's commands (called again when the write is sent alone after a failed batch).</param>
    /// <param name="resultSets">How many of the commands return rows (a <c>SELECT</c> or a <c>RETURNING</c>, even of no rows).</param>
    /// <param name="read">Reads result set <c>i</c> (0-based) of the write; called again from 0 when the write is sent again.</param>
    /// <param name="cancellationToken">Stops waiting (the write may still be made).</param>
    /// <returns>The rows affected by each command, in order.</returns>
    public async ValueTask<int[]> WriteAsync(Func<NpgsqlBatchCommand[]> commands, int resultSets = 0,
        Func<NpgsqlDataReader, int, CancellationToken, ValueTask>? read = null, CancellationToken cancellationToken = default)
    {
        await database.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        var write = new Write(commands, resultSets, read);
        var start = false;
        lock (_pending)
        {
            _pending.Enqueue(write);
            if (_inFlight < MaxInFlight)
            {
                _inFlight++;
                start = true;
            }
        }

        if (start)
        {
            _ = Task.Run(SendLoopAsync, CancellationToken.None);
        }

        return await write.Done.Task.WaitAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task SendLoopAsync()
    {
        var writes = new List<Write>();
        while (true)
        {
            writes.Clear();
            lock (_pending)
            {
                while (writes.Count < MaxWritesPerBatch && _pending.TryDequeue(out var next))
                {
                    writes.Add(next);
                }

                if (writes.Count == 0)
                {
                    _inFlight--;
                    return;
                }
            }

            try
            {
                await SendAsync(writes).ConfigureAwait(false);
            }
            catch (Exception e) when (writes.Count > 1 && PostgreSqlDatabase.Unavailable(e) is null)
            {
                // One write broke the batch (all of it was rolled back): each goes alone, so only that one fails.
                foreach (var write in writes)
                {
                    try
                    {
                        await SendAsync([write]).ConfigureAwait(false);
                    }
                    catch (Exception alone)
                    {
                        write.Done.TrySetException(alone);
                    }
                }
            }
            catch (Exception e)
            {
                foreach (var write in writes)
                {
                    write.Done.TrySetException(e);
                }
            }
        }
    }

    private async Task SendAsync(IReadOnlyList<Write> writes)
    {
        var affected = await database.RunAsync(async (connection, ct) =>
        {
            var batch = new NpgsqlBatch(connection);
            await using (batch.ConfigureAwait(false))
            {
                var commands = new NpgsqlBatchCommand[writes.Count][];
                for (var w = 0; w < writes.Count; w++)
                {
                    commands[w] = writes[w].Commands();
                    foreach (var command in commands[w])
                    {
                        batch.BatchCommands.Add(command);
                    }
                }

                await using (var reader = await batch.ExecuteReaderAsync(ct).ConfigureAwait(false))
                {
                    var first = true;
                    foreach (var write in writes)
                    {
                        for (var i = 0; i < write.ResultSets; i++)
                        {
                            if (!first)
                            {
                                await reader.NextResultAsync(ct).ConfigureAwait(false);
                            }

                            first = false;
                            await write.Read!(reader, i, ct).ConfigureAwait(false);
                        }
                    }

                    while (await reader.NextResultAsync(ct).ConfigureAwait(false))
                    {
                    }
                }

                return commands.Select(c => c.Select(command => command.RecordsAffected).ToArray()).ToArray();
            }
        }, CancellationToken.None, relaxed: true).ConfigureAwait(false);
        for (var w = 0; w < writes.Count; w++)
        {
            writes[w].Done.TrySetResult(affected[w]);
        }
    }

    private sealed class Write(Func<NpgsqlBatchCommand[]> commands, int resultSets, Func<NpgsqlDataReader, int, CancellationToken, ValueTask>? read)
    {
        public Func<NpgsqlBatchCommand[]> Commands => commands;

        public int ResultSets => resultSets;

        public Func<NpgsqlDataReader, int, CancellationToken, ValueTask>? Read => read;

        public TaskCompletionSource<int[]> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
