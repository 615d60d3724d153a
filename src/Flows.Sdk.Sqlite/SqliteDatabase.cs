using System.Threading.Channels;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The database file: schema migration once, pooled connections for reads, and one writer that commits in groups.
/// </summary>
/// <remarks>
/// Every write goes through <see cref="WriteAsync{T}"/>: a single loop takes all the writes waiting in its channel, runs each
/// inside one transaction (a write of several statements in its own savepoint), commits once, and only then completes their tasks. With
/// <c>synchronous=FULL</c> the commit returns after the WAL is flushed, so one flush covers all the requests that arrived
/// together: durability costs one disk sync per group, not per request. A write that throws rolls back to its savepoint and
/// fails alone. Readers use their own connections; WAL lets them read while the writer commits.
/// </remarks>
internal sealed class SqliteDatabase : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 512;
    private const int MaxIdleReaders = 16;

    private readonly SqliteStorageOptions _options;
    private readonly ILogger<SqliteDatabase> _logger;
    private readonly Lazy<Task> _initialized;
    private readonly System.Collections.Concurrent.ConcurrentBag<ReadContext> _readers = [];
    private readonly Channel<WriteItem> _writes = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private SqliteConnection? _writer;
    private Task? _writerLoop;
    private Task? _checkpointLoop;
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;
    private long _commits;
    private int _pendingWriteBehind;

    public SqliteDatabase(IOptions<SqliteStorageOptions> options, ILogger<SqliteDatabase> logger)
    {
        _options = options.Value;
        _logger = logger;
        FilePath = System.IO.Path.GetFullPath(_options.Path);
        ConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = FilePath,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Cache = SqliteCacheMode.Private,
            Pooling = true,
            DefaultTimeout = 30,
        }.ToString();
        _initialized = new Lazy<Task>(() => Task.Run(Initialize), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string FilePath { get; }

    public string ConnectionString { get; }

    public SqliteStorageOptions Options => _options;

    /// <summary>
    /// How many times each message being run (by execution id) has been delivered, counting this delivery: set by the queue when
    /// it delivers, read by the run log when it saves the execution, removed when the message is acknowledged.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> Deliveries { get; } = new(StringComparer.Ordinal);

    /// <summary>How many group commits the writer made (tests show that concurrent writes share commits).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Creates or migrates the schema and starts the writer, once; every caller awaits the same task.</summary>
    public Task EnsureInitializedAsync() => _initialized.Value;

    /// <summary>Runs <paramref name="work"/> on the writer connection inside the next group commit; completes after the commit.</summary>
    /// <param name="work">The writes; it may throw, and then nothing it wrote is kept and its caller gets the exception.</param>
    /// <param name="multiStatement">
    /// Whether <paramref name="work"/> runs more than one changing statement and so needs a savepoint to be undone as a whole
    /// when it throws (a single statement is atomic by itself).
    /// </param>
    public Task<T> WriteAsync<T>(Func<WriteContext, T> work, bool multiStatement = false)
    {
        // Queued synchronously, before any await: writes are committed in the order their callers made them.
        var item = new WriteItem<T>(work, multiStatement);
        if (!_writes.Writer.TryWrite(item))
        {
            return Task.FromException<T>(new ObjectDisposedException(nameof(SqliteDatabase), "The SQLite store is shut down."));
        }

        var initialized = EnsureInitializedAsync();
        return initialized.IsCompletedSuccessfully ? item.Task : WaitAsync(initialized, item.Task);

        static async Task<T> WaitAsync(Task initialized, Task<T> written)
        {
            await initialized.ConfigureAwait(false);
            return await written.ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Queues <paramref name="work"/> for the next group commit without waiting for it ("write-behind"), for writes whose loss in
    /// a crash is repaired by redelivery (the run log, leases, acknowledgements). Writes are committed in the order they were
    /// queued, so an acknowledgement is never on disk before the run-log entry written before it. A failure is logged.
    /// </summary>
    /// <returns>The commit, for a caller that wants to wait after all (its failure is already observed).</returns>
    public Task WriteBehind<T>(Func<WriteContext, T> work)
    {
        Interlocked.Increment(ref _pendingWriteBehind);
        var task = WriteAsync(work);
        return task.ContinueWith(
            t =>
            {
                Interlocked.Decrement(ref _pendingWriteBehind);
                if (t.Exception is { } e)
                {
                    Log.WriteBehindFailed(_logger, e.GetBaseException());
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Waits until every write queued so far is committed (a read that must see them calls it first).</summary>
    public Task FlushAsync() =>
        Interlocked.CompareExchange(ref _pendingWriteBehind, 0, 0) == 0 ? Task.CompletedTask : WriteAsync(static _ => 0);

    /// <summary>
    /// Runs <paramref name="read"/> on a read connection of the store's own pool, whose prepared commands are kept (WAL lets
    /// readers read while the writer commits).
    /// </summary>
    public async ValueTask<T> ReadAsync<T>(Func<ReadContext, T> read)
    {
        var initialized = EnsureInitializedAsync();
        if (!initialized.IsCompletedSuccessfully)
        {
            await initialized.ConfigureAwait(false);
        }

        if (!_readers.TryTake(out var context))
        {
            var connection = new SqliteConnection(ConnectionString);
            connection.Open();
            context = new ReadContext(connection);
        }

        try
        {
            return read(context);
        }
        finally
        {
            if (_disposed || _readers.Count >= MaxIdleReaders)
            {
                context.Dispose();
            }
            else
            {
                _readers.Add(context);
            }
        }
    }

    private void Initialize()
    {
        var directory = System.IO.Path.GetDirectoryName(FilePath);
        if (!string.IsNullOrEmpty(directory))
        {
            Directory.CreateDirectory(directory);
        }

        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            var mode = (string?)Scalar(connection, "PRAGMA journal_mode=WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The SQLite database '{FilePath}' could not be switched to WAL journaling (it is '{mode}').");
            }

            Execute(connection, _options.Synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");

            // Checkpoints: a background connection copies the WAL into the database file continually (PASSIVE, off the writer),
            // but under steady load it never catches up completely, and only a complete checkpoint lets the WAL start over. So
            // the writer also checkpoints itself after a commit that takes the WAL past 4000 pages (16 MiB): between its own
            // commits it can finish, and as the background already copied most pages, it is short.
            Execute(connection, "PRAGMA wal_autocheckpoint=4000;");
            Migrate(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer = connection;
        _writerLoop = Task.Run(WriterLoopAsync);
        _checkpointLoop = Task.Run(CheckpointLoopAsync);
        Log.Opened(_logger, FilePath, SqliteSchema.Migrations.Count, _options.Synchronous.ToString());
    }

    private void Migrate(SqliteConnection connection)
    {
        Execute(connection, "CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);");

        // BEGIN IMMEDIATE takes the write lock before reading the version, so two hosts starting on one file cannot both migrate.
        Execute(connection, "BEGIN IMMEDIATE;");
        try
        {
            var current = Convert.ToInt32(Scalar(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version;"), System.Globalization.CultureInfo.InvariantCulture);
            if (current > SqliteSchema.Migrations.Count)
            {
                throw new InvalidOperationException(
                    $"The SQLite database '{FilePath}' has schema version {current}, newer than this version of Flows.Sdk.Sqlite knows ({SqliteSchema.Migrations.Count}).");
            }

            for (var version = current + 1; version <= SqliteSchema.Migrations.Count; version++)
            {
                Execute(connection, SqliteSchema.Migrations[version - 1]);
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at);";
                insert.Parameters.AddWithValue("$v", version);
                insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                insert.ExecuteNonQuery();
            }

            Execute(connection, "COMMIT;");
        }
        catch
        {
            Execute(connection, "ROLLBACK;");
            throw;
        }
    }

    private async Task WriterLoopAsync()
    {
        var connection = _writer!;
        var context = new WriteContext(connection);
        var batch = new List<WriteItem>(MaxBatch);
        var reader = _writes.Reader;
        while (await reader.WaitToReadAsync().ConfigureAwait(false))
        {
            batch.Clear();
            while (batch.Count < MaxBatch && reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                context.Execute("BEGIN IMMEDIATE;");
                foreach (var item in batch)
                {
                    if (!item.MultiStatement)
                    {
                        item.Run(context);
                        continue;
                    }

                    context.Execute("SAVEPOINT item;");
                    if (item.Run(context))
                    {
                        context.Execute("RELEASE item;");
                    }
                    else
                    {
                        context.Execute("ROLLBACK TO item;");
                        context.Execute("RELEASE item;");
                    }
                }

                context.Execute("COMMIT;");
                Interlocked.Increment(ref _commits);
            }
            catch (Exception e)
            {
                Log.CommitFailed(_logger, batch.Count, e);
                try
                {
                    context.Execute("ROLLBACK;");
                }
                catch (SqliteException)
                {
                    // No transaction was open.
                }

                foreach (var item in batch)
                {
                    item.Fail(e);
                }

                continue;
            }

            foreach (var item in batch)
            {
                item.Complete();
            }
        }
    }

    /// <summary>Copies the WAL into the database file in the background, every 200 ms, without blocking the writer (PASSIVE).</summary>
    private async Task CheckpointLoopAsync()
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _stopping.Token).ConfigureAwait(false);
                command.ExecuteNonQuery();
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SqliteException e)
            {
                Log.CheckpointFailed(_logger, e);
            }
        }
    }

    /// <summary>For containers disposed synchronously: drains the writer all the same.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_checkpointLoop is not null)
        {
            await _checkpointLoop.ConfigureAwait(false);
        }


        _writes.Writer.TryComplete();
        if (_writerLoop is not null)
        {
            await _writerLoop.ConfigureAwait(false);
        }

        if (_writer is not null)
        {
            Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
            await _writer.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        SqliteConnection.ClearAllPools();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    /// <summary>The writer connection, with its prepared commands kept by SQL text.</summary>
    internal sealed class WriteContext(SqliteConnection connection)
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        public SqliteConnection Connection => connection;

        /// <summary>A prepared command for <paramref name="sql"/>, its parameters cleared.</summary>
        public SqliteCommand Command(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                _commands[sql] = command;
            }

            command.Parameters.Clear();
            return command;
        }

        public void Execute(string sql) => Command(sql).ExecuteNonQuery();
    }

    /// <summary>A read connection with its prepared commands kept by SQL text.</summary>
    internal sealed class ReadContext(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);

        /// <summary>A prepared command for <paramref name="sql"/>, its parameters cleared. Do not dispose it.</summary>
        public SqliteCommand Command(string sql)
        {
            if (!_commands.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                _commands[sql] = command;
            }

            command.Parameters.Clear();
            return command;
        }

        public void Dispose()
        {
            foreach (var command in _commands.Values)
            {
                command.Dispose();
            }

            connection.Dispose();
        }
    }

    private abstract class WriteItem(bool multiStatement)
    {
        public bool MultiStatement { get; } = multiStatement;

        /// <summary>Runs the work; returns false when it threw (its savepoint is then rolled back).</summary>
        public abstract bool Run(WriteContext context);

        public abstract void Complete();

        public abstract void Fail(Exception e);
    }

    private sealed class WriteItem<T>(Func<WriteContext, T> work, bool multiStatement) : WriteItem(multiStatement)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override bool Run(WriteContext context)
        {
            try
            {
                _result = work(context);
                return true;
            }
            catch (Exception e)
            {
                _error = e;
                return false;
            }
        }

        public override void Complete()
        {
            if (_error is null)
            {
                _completion.TrySetResult(_result);
            }
            else
            {
                _completion.TrySetException(_error);
            }
        }

        public override void Fail(Exception e) => _completion.TrySetException(e);
    }
}
