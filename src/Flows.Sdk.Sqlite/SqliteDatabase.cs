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
/// in its own savepoint inside one transaction, commits once, and only then completes their tasks. With
/// <c>synchronous=FULL</c> the commit returns after the WAL is flushed, so one flush covers all the requests that arrived
/// together: durability costs one disk sync per group, not per request. A write that throws rolls back to its savepoint and
/// fails alone. Readers use their own connections; WAL lets them read while the writer commits.
/// </remarks>
internal sealed class SqliteDatabase : IAsyncDisposable
{
    private const int MaxBatch = 512;

    private readonly SqliteStorageOptions _options;
    private readonly ILogger<SqliteDatabase> _logger;
    private readonly Lazy<Task> _initialized;
    private readonly Channel<WriteItem> _writes = Channel.CreateUnbounded<WriteItem>(new UnboundedChannelOptions { SingleReader = true });
    private SqliteConnection? _writer;
    private Task? _writerLoop;
    private bool _disposed;
    private long _commits;

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

    /// <summary>How many group commits the writer made (tests show that concurrent writes share commits).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Creates or migrates the schema and starts the writer, once; every caller awaits the same task.</summary>
    public Task EnsureInitializedAsync() => _initialized.Value;

    /// <summary>Runs <paramref name="work"/> on the writer connection inside the next group commit; completes after the commit.</summary>
    public async Task<T> WriteAsync<T>(Func<WriteContext, T> work)
    {
        await EnsureInitializedAsync().ConfigureAwait(false);
        var item = new WriteItem<T>(work);
        if (!_writes.Writer.TryWrite(item))
        {
            throw new ObjectDisposedException(nameof(SqliteDatabase), "The SQLite store is shut down.");
        }

        return await item.Task.ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="read"/> on a pooled read connection.</summary>
    public async ValueTask<T> ReadAsync<T>(Func<SqliteConnection, T> read)
    {
        await EnsureInitializedAsync().ConfigureAwait(false);
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        return read(connection);
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
            Migrate(connection);
        }
        catch
        {
            connection.Dispose();
            throw;
        }

        _writer = connection;
        _writerLoop = Task.Run(WriterLoopAsync);
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

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _writes.Writer.TryComplete();
        if (_writerLoop is not null)
        {
            await _writerLoop.ConfigureAwait(false);
        }

        if (_writer is not null)
        {
            await _writer.DisposeAsync().ConfigureAwait(false);
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

    private abstract class WriteItem
    {
        /// <summary>Runs the work; returns false when it threw (its savepoint is then rolled back).</summary>
        public abstract bool Run(WriteContext context);

        public abstract void Complete();

        public abstract void Fail(Exception e);
    }

    private sealed class WriteItem<T>(Func<WriteContext, T> work) : WriteItem
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
