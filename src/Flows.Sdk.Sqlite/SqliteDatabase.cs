using System.Runtime.ExceptionServices;
using System.Security.Cryptography;
using System.Threading.Channels;
using Flows.Sdk.Credentials;
using Flows.Sdk.Storage;
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
/// <para>
/// Failing safe: the process holds an OS lock on <c>&lt;path&gt;.lock</c> while the file is open (<see cref="SqliteFileLock"/>);
/// at start the encryption key is checked against the file before anything is written (<see cref="CheckKey"/>); a fault of the
/// medium (disk full, I/O error, read-only, lock timeout) fails the writes of its group commit, rolled back, with a
/// <see cref="StorageUnavailableException"/>, is logged once per outage (<see cref="StorageOutage"/>), and the writer goes on
/// with the next group, so writes succeed again by themselves once the cause is gone.
/// </para>
/// </remarks>
internal sealed class SqliteDatabase : IAsyncDisposable, IDisposable
{
    private const int MaxBatch = 512;
    private const int MaxIdleReaders = 16;

    /// <summary>The associated data of the key check value (no credential can have this id: ids are generated).</summary>
    internal const string KeyCheckId = "flows-sdk-sqlite:key-check";

    private static readonly byte[] KeyCheckPlaintext = "Flows.Sdk.Sqlite encryption key check, version 1"u8.ToArray();

    private readonly SqliteStorageOptions _options;
    private readonly ILogger<SqliteDatabase> _logger;
    private readonly ICredentialProtector? _protector;
    private readonly TimeProvider _time;
    private readonly StorageOutage _outage;
    private SqliteFileLock? _lock;
    private int _injectedFailures;
    private int _injectedCode;
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

    /// <param name="options">The store's settings.</param>
    /// <param name="logger">The store's log.</param>
    /// <param name="protector">
    /// The protector of credentials' secrets, whose key is checked against the file at start; <see langword="null"/>: no check.
    /// </param>
    /// <param name="time">The clock of the outage log; the system's by default.</param>
    public SqliteDatabase(IOptions<SqliteStorageOptions> options, ILogger<SqliteDatabase> logger, ICredentialProtector? protector = null, TimeProvider? time = null)
    {
        _options = options.Value;
        _logger = logger;
        _protector = protector;
        _time = time ?? TimeProvider.System;
        _outage = new StorageOutage(logger, _time);
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
    /// Executions whose latest run-log write was not kept (a storage fault): their message's acknowledgement keeps the queue
    /// row, so the message is delivered again after a restart instead of being gone with its run log incomplete. Touched only
    /// on the writer.
    /// </summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, bool> UnloggedExecutions { get; } = new(StringComparer.Ordinal);

    /// <summary>
    /// Folds a message's acknowledgement into its execution's run-log write still waiting for the writer (set by the run log
    /// on this file; see <see cref="SqliteExecutionStore.TryFoldAck"/>): arguments the execution id and the queue row's key;
    /// returns whether it was folded.
    /// </summary>
    public Func<string, long, bool>? FoldAck { get; set; }

    /// <summary>How many group commits the writer made (tests show that concurrent writes share commits).</summary>
    public long Commits => Interlocked.Read(ref _commits);

    /// <summary>Whether writes are failing now (from the first failed commit to the next successful one).</summary>
    public bool IsUnavailable => _outage.IsDown;

    /// <summary>
    /// TEST SEAM: makes the next <paramref name="count"/> group commits fail with a <see cref="SqliteException"/> of
    /// <paramref name="sqliteErrorCode"/> (13 SQLITE_FULL, 10 SQLITE_IOERR, ...) just before their <c>COMMIT</c>, exactly as a
    /// full disk fails one: the group's writes are rolled back.
    /// </summary>
    internal void InjectCommitFailures(int count, int sqliteErrorCode)
    {
        Volatile.Write(ref _injectedCode, sqliteErrorCode);
        Volatile.Write(ref _injectedFailures, count);
    }

    /// <summary>Creates or migrates the schema and starts the writer, once; every caller awaits the same task.</summary>
    public Task EnsureInitializedAsync() => _initialized.Value;

    /// <summary>Runs <paramref name="work"/> on the writer connection inside the next group commit; completes after the commit.</summary>
    /// <param name="work">The writes; it may throw, and then nothing it wrote is kept and its caller gets the exception.</param>
    /// <param name="multiStatement">
    /// Whether <paramref name="work"/> runs more than one changing statement and so needs a savepoint to be undone as a whole
    /// when it throws (a single statement is atomic by itself).
    /// </param>
    /// <param name="onFailed">Runs on the writer when the write is not kept (see <see cref="WriteBehind{T}"/>).</param>
    public Task<T> WriteAsync<T>(Func<WriteContext, T> work, bool multiStatement = false, Action? onFailed = null)
    {
        // Queued synchronously, before any await: writes are committed in the order their callers made them.
        var item = new WriteItem<T>(work, multiStatement, onFailed);
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
    /// <param name="work">The writes.</param>
    /// <param name="onFailed">
    /// Runs on the writer, in order, when the write is not kept (before any later write runs): how a later write learns that
    /// this one is lost.
    /// </param>
    public Task WriteBehind<T>(Func<WriteContext, T> work, Action? onFailed = null)
    {
        Interlocked.Increment(ref _pendingWriteBehind);
        var task = WriteAsync(work, onFailed: onFailed);
        return task.ContinueWith(
            t =>
            {
                Interlocked.Decrement(ref _pendingWriteBehind);
                // A storage fault is already in the outage's log; anything else is logged here.
                if (t.Exception?.GetBaseException() is { } e and not StorageUnavailableException)
                {
                    Log.WriteBehindFailed(_logger, e);
                }
            },
            CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// As <see cref="WriteBehind{T}"/>, for the hot path: no task at all. <paramref name="after"/> runs on the writer once the
    /// group's commit is done (or failed, after <paramref name="onFailed"/>); when the store is shut down, both run at once on
    /// the caller's thread. Either must be short: the writer's next group waits for them.
    /// </summary>
    /// <param name="work">The writes.</param>
    /// <param name="onFailed">Runs when the write is not kept, before any later write runs.</param>
    /// <param name="after">Runs when the write is settled, kept or not.</param>
    public void QueueBehind(Func<WriteContext, int> work, Action? onFailed = null, Action? after = null)
    {
        Interlocked.Increment(ref _pendingWriteBehind);
        var item = new BehindItem(this, work, onFailed, after);
        if (!_writes.Writer.TryWrite(item))
        {
            item.Fail(new ObjectDisposedException(nameof(SqliteDatabase), "The SQLite store is shut down."));
            return;
        }

        // The writer runs once the file is open (the first write or read opens it).
        _ = EnsureInitializedAsync();
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

        var healthy = true;
        if (!_readers.TryTake(out var context))
        {
            var connection = new SqliteConnection(ConnectionString);
            try
            {
                connection.Open();
            }
            catch (SqliteException e) when (IsStorageFault(e))
            {
                connection.Dispose();
                throw Unavailable(e, 1);
            }

            context = new ReadContext(connection);
        }

        try
        {
            return read(context);
        }
        catch (SqliteException e) when (IsStorageFault(e))
        {
            healthy = false;
            throw Unavailable(e, 1);
        }
        finally
        {
            if (!healthy || _disposed || _readers.Count >= MaxIdleReaders)
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

        // First the lock (nobody else may write while the key is checked), then the key (nothing is written before it matches).
        _lock = SqliteFileLock.Acquire(FilePath, _time.GetUtcNow());
        SqliteConnection? connection = null;
        try
        {
            var writeKeyCheck = CheckKey();
            connection = OpenWriter();
            var mode = (string?)Scalar(connection, "PRAGMA journal_mode=WAL;");
            if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
            {
                throw new InvalidOperationException($"The SQLite database '{FilePath}' could not be switched to WAL journaling (it is '{mode}').");
            }

            Migrate(connection, writeKeyCheck);
        }
        catch
        {
            connection?.Dispose();
            _lock.Dispose();
            _lock = null;
            SqliteConnection.ClearAllPools();
            throw;
        }

        _writer = connection;
        _writerLoop = Task.Run(WriterLoopAsync);
        _checkpointLoop = Task.Run(CheckpointLoopAsync);
        Log.Opened(_logger, FilePath, SqliteSchema.Migrations.Count, _options.Synchronous.ToString());
    }

    /// <summary>Opens a writer connection with the store's settings (at start, and again when a fault left the old one unusable).</summary>
    private SqliteConnection OpenWriter()
    {
        var connection = new SqliteConnection(ConnectionString);
        try
        {
            connection.Open();
            Execute(connection, _options.Synchronous == SqliteSynchronousMode.Full ? "PRAGMA synchronous=FULL;" : "PRAGMA synchronous=NORMAL;");

            // Checkpoints: a background connection copies the WAL into the database file continually (PASSIVE, off the writer),
            // but under steady load it never catches up completely, and only a complete checkpoint lets the WAL start over. So
            // the writer also checkpoints itself after a commit that takes the WAL past 4000 pages (16 MiB): between its own
            // commits it can finish, and as the background already copied most pages, it is short.
            Execute(connection, "PRAGMA wal_autocheckpoint=4000;");
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Checks that the protector's key is the one the file's secrets were encrypted with, on a read-only connection, before
    /// anything is written: with the key check value (an encryption of a fixed text, written once the key is known to be right),
    /// or, in a file from before check values, by decrypting a stored secret. Throws when the key does not match.
    /// </summary>
    /// <returns>Whether the check value is still to be written (a new file, or a file without one whose key was verified).</returns>
    private bool CheckKey()
    {
        if (_protector is null)
        {
            return false;
        }

        if (!File.Exists(FilePath) || new FileInfo(FilePath).Length == 0)
        {
            return true;
        }

        // A read-only connection leaves an empty -wal and -shm behind where there were none: removed again, so a refused start
        // leaves the files as they were (this process holds the lock, and no connection has them open any more).
        var created = new[] { FilePath + "-wal", FilePath + "-shm" }.Where(f => !File.Exists(f)).ToArray();
        try
        {
            return CheckKeyReadOnly();
        }
        finally
        {
            foreach (var file in created)
            {
                if (file.EndsWith("-shm", StringComparison.Ordinal) || (File.Exists(file) && new FileInfo(file).Length == 0))
                {
                    File.Delete(file);
                }
            }
        }
    }

    private bool CheckKeyReadOnly()
    {
        var protector = _protector!;
        var readOnly = new SqliteConnectionStringBuilder { DataSource = FilePath, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString();
        using var connection = new SqliteConnection(readOnly);
        connection.Open();
        byte[]? check = null;
        if (TableExists(connection, "key_check"))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT value FROM key_check WHERE id = 1;";
            check = command.ExecuteScalar() as byte[];
        }

        if (check is not null)
        {
            byte[] plaintext;
            try
            {
                plaintext = protector.Unprotect(check, KeyCheckId);
            }
            catch (CryptographicException e)
            {
                throw KeyMismatch(e);
            }

            return CryptographicOperations.FixedTimeEquals(plaintext, KeyCheckPlaintext) ? false : throw KeyMismatch(null);
        }

        if (TableExists(connection, "credentials"))
        {
            using var command = connection.CreateCommand();
            command.CommandText = "SELECT id, secret FROM credentials ORDER BY created_at, id LIMIT 1;";
            using var reader = command.ExecuteReader();
            if (reader.Read())
            {
                try
                {
                    CryptographicOperations.ZeroMemory(protector.Unprotect((byte[])reader.GetValue(1), reader.GetString(0)));
                }
                catch (CryptographicException e)
                {
                    throw KeyMismatch(e);
                }
            }
        }

        return true;
    }

    private InvalidOperationException KeyMismatch(Exception? inner) =>
        new(_protector is AesGcmCredentialProtector
            ? $"{SqliteStorageOptions.EncryptionKeySetting} does not match the key the credentials in the SQLite database '{FilePath}' were encrypted with: " +
              "their secrets cannot be decrypted. Set the key they were encrypted with. Nothing in the file was changed."
            : $"The registered {nameof(ICredentialProtector)} cannot decrypt the credentials in the SQLite database '{FilePath}': its key does not " +
              $"match the one they were encrypted with ({SqliteStorageOptions.EncryptionKeySetting} is not used with a registered protector). Nothing in the file was changed.",
            inner);

    private static bool TableExists(SqliteConnection connection, string name)
    {
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = $name;";
        command.Parameters.AddWithValue("$name", name);
        return (long)command.ExecuteScalar()! > 0;
    }

    private void Migrate(SqliteConnection connection, bool writeKeyCheck)
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
                SqliteSchema.Migrations[version - 1].Apply(connection);
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES ($v, $at);";
                insert.Parameters.AddWithValue("$v", version);
                insert.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToString("O", System.Globalization.CultureInfo.InvariantCulture));
                insert.ExecuteNonQuery();
            }

            if (writeKeyCheck)
            {
                using var check = connection.CreateCommand();
                check.CommandText = "INSERT OR IGNORE INTO key_check (id, value) VALUES (1, $value);";
                check.Parameters.AddWithValue("$value", _protector!.Protect(KeyCheckPlaintext, KeyCheckId));
                check.ExecuteNonQuery();
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
        WriteContext? context = new WriteContext(connection);
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
                if (context is null)
                {
                    // The previous connection was left unusable by a fault: a new one, or this group fails as well.
                    connection = OpenWriter();
                    _writer = connection;
                    context = new WriteContext(connection);
                }

                context.Execute("BEGIN IMMEDIATE;");
                foreach (var item in batch)
                {
                    if (!item.MultiStatement)
                    {
                        if (!item.Run(context))
                        {
                            ThrowIfStorageFault(item.Error);
                        }

                        continue;
                    }

                    context.Execute("SAVEPOINT item;");
                    if (item.Run(context))
                    {
                        context.Execute("RELEASE item;");
                    }
                    else
                    {
                        ThrowIfStorageFault(item.Error);
                        context.Execute("ROLLBACK TO item;");
                        context.Execute("RELEASE item;");
                    }
                }

                if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0)
                {
                    // SQLite rolled the transaction back by itself (it does on some faults): nothing of this group is kept.
                    throw new SqliteException("The group's transaction was rolled back by SQLite.", 10);
                }

                if (Volatile.Read(ref _injectedFailures) > 0 && Interlocked.Decrement(ref _injectedFailures) >= 0)
                {
                    throw new SqliteException($"Injected fault (test seam): SQLite error {_injectedCode}.", Volatile.Read(ref _injectedCode));
                }

                context.Execute("COMMIT;");
                Interlocked.Increment(ref _commits);
            }
            catch (Exception e)
            {
                if (!RollBack(connection, context is not null))
                {
                    // A transaction left open would make every later BEGIN fail: the writer starts over on a new connection.
                    context?.Dispose();
                    await connection.DisposeAsync().ConfigureAwait(false);
                    context = null;
                    _writer = null;
                }

                Exception error = e;
                if (e is SqliteException sqlite && IsStorageFault(sqlite))
                {
                    error = Unavailable(sqlite, batch.Count);
                }
                else
                {
                    Log.CommitFailed(_logger, batch.Count, e);
                }

                foreach (var item in batch)
                {
                    item.Fail(error);
                }

                continue;
            }

            _outage.Succeeded();
            foreach (var item in batch)
            {
                item.Complete();
            }
        }

        context?.Dispose();
    }

    /// <summary>Rolls back whatever the failed group left; false when a transaction stays open (the connection is then dropped).</summary>
    private static bool RollBack(SqliteConnection connection, bool usable)
    {
        if (!usable)
        {
            return true;
        }

        try
        {
            if (SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) == 0)
            {
                Execute(connection, "ROLLBACK;");
            }

            return SQLitePCL.raw.sqlite3_get_autocommit(connection.Handle) != 0;
        }
        catch (SqliteException)
        {
            return false;
        }
    }

    private static void ThrowIfStorageFault(Exception? error)
    {
        // A fault of the medium may have ended the whole transaction: the group fails as one, nothing of it is kept.
        if (error is SqliteException e && IsStorageFault(e))
        {
            ExceptionDispatchInfo.Capture(e).Throw();
        }
    }

    /// <summary>
    /// Whether an error is a fault of the medium or of contention, which passes by itself: busy or locked beyond the timeout,
    /// out of memory, read-only, I/O error, disk full, cannot open, lock protocol.
    /// </summary>
    internal static bool IsStorageFault(SqliteException e) => (e.SqliteErrorCode & 0xFF) is 5 or 6 or 7 or 8 or 10 or 13 or 14 or 15;

    /// <summary>Records the fault in the outage log and turns it into the exception callers map to 503.</summary>
    private StorageUnavailableException Unavailable(SqliteException e, int failedWrites)
    {
        var code = e.SqliteErrorCode & 0xFF;
        var reason = code switch
        {
            5 or 6 => "the database is locked by another connection beyond the timeout",
            7 => "SQLite ran out of memory",
            8 => "the database file is read-only",
            10 => "an I/O error",
            13 => "the disk is full",
            14 => "the database file cannot be opened",
            _ => "a locking protocol error",
        };
        _outage.Failed(reason, failedWrites, e);
        return new StorageUnavailableException(
            $"The SQLite store cannot write: {reason} (SQLite error {e.SqliteErrorCode}).",
            code is 5 or 6 ? TimeSpan.FromSeconds(1) : StorageUnavailableException.DefaultRetryAfter,
            e);
    }

    /// <summary>Copies the WAL into the database file in the background, every 200 ms, without blocking the writer (PASSIVE).</summary>
    private async Task CheckpointLoopAsync()
    {
        using var connection = new SqliteConnection(ConnectionString);
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "PRAGMA wal_checkpoint(PASSIVE);";
        var failing = false;
        while (!_stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(TimeSpan.FromMilliseconds(200), _stopping.Token).ConfigureAwait(false);
                command.ExecuteNonQuery();
                failing = false;
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (SqliteException e)
            {
                // Logged once per run of failures (a full disk fails every attempt, five times a second).
                if (!failing)
                {
                    Log.CheckpointFailed(_logger, e);
                }

                failing = true;
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

        // A first write starts the initialization on the thread pool and does not wait for it (write-behind): let it finish,
        // or it would take the file's lock and start a writer after this store is shut down.
        if (_initialized.IsValueCreated)
        {
            try
            {
                await _initialized.Value.ConfigureAwait(false);
            }
            catch (Exception e) when (e is not OutOfMemoryException)
            {
                // Its failure reached the callers that awaited it; what it opened is closed below.
            }
        }

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
            try
            {
                Execute(_writer, "PRAGMA wal_checkpoint(TRUNCATE);");
            }
            catch (SqliteException e)
            {
                Log.CheckpointFailed(_logger, e);
            }

            await _writer.DisposeAsync().ConfigureAwait(false);
        }

        _stopping.Dispose();
        while (_readers.TryTake(out var reader))
        {
            reader.Dispose();
        }

        SqliteConnection.ClearAllPools();

        // Last: the file is closed by every connection of this process before another process may take it.
        _lock?.Dispose();
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
    internal sealed class WriteContext(SqliteConnection connection) : IDisposable
    {
        private readonly Dictionary<string, SqliteCommand> _commands = new(StringComparer.Ordinal);
        private readonly Dictionary<string, SqliteCommand> _prepared = new(StringComparer.Ordinal);

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

        /// <summary>
        /// A prepared command for <paramref name="sql"/> whose parameters, named <paramref name="names"/> in that order, are
        /// created once and kept: the caller sets each one's <see cref="SqliteParameter.Value"/> (by index) before running it.
        /// </summary>
        public SqliteCommand Prepared(string sql, params ReadOnlySpan<string> names)
        {
            if (!_prepared.TryGetValue(sql, out var command))
            {
                command = connection.CreateCommand();
                command.CommandText = sql;
                foreach (var name in names)
                {
                    command.Parameters.Add(new SqliteParameter { ParameterName = name });
                }

                _prepared[sql] = command;
            }

            return command;
        }

        public void Execute(string sql) => Command(sql).ExecuteNonQuery();

        /// <summary>Disposes the prepared commands (not the connection).</summary>
        public void Dispose()
        {
            foreach (var command in _commands.Values.Concat(_prepared.Values))
            {
                command.Dispose();
            }

            _commands.Clear();
            _prepared.Clear();
        }
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

        /// <summary>What the work threw, when <see cref="Run"/> returned false.</summary>
        public abstract Exception? Error { get; }

        /// <summary>Runs the work; returns false when it threw (its savepoint is then rolled back).</summary>
        public abstract bool Run(WriteContext context);

        public abstract void Complete();

        public abstract void Fail(Exception e);
    }

    /// <summary>A write queued behind (<see cref="QueueBehind"/>): settled on the writer, with no task.</summary>
    private sealed class BehindItem(SqliteDatabase database, Func<WriteContext, int> work, Action? onFailed, Action? after) : WriteItem(false)
    {
        private Exception? _error;

        public override Exception? Error => _error;

        public override bool Run(WriteContext context)
        {
            try
            {
                work(context);
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
                Settle();
            }
            else
            {
                Fail(_error);
            }
        }

        public override void Fail(Exception e)
        {
            // A storage fault is already in the outage's log; anything else is logged here.
            if (e is not StorageUnavailableException)
            {
                Log.WriteBehindFailed(database._logger, e);
            }

            try
            {
                onFailed?.Invoke();
            }
            finally
            {
                Settle();
            }
        }

        private void Settle()
        {
            Interlocked.Decrement(ref database._pendingWriteBehind);
            after?.Invoke();
        }
    }

    private sealed class WriteItem<T>(Func<WriteContext, T> work, bool multiStatement, Action? onFailed) : WriteItem(multiStatement)
    {
        private readonly TaskCompletionSource<T> _completion = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;
        private Exception? _error;

        public Task<T> Task => _completion.Task;

        public override Exception? Error => _error;

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
                onFailed?.Invoke();
                _completion.TrySetException(_error);
            }
        }

        public override void Fail(Exception e)
        {
            onFailed?.Invoke();
            _completion.TrySetException(e);
        }
    }
}
