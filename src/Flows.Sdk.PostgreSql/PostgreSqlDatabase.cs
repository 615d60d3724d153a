using System.Net.Sockets;
using System.Security.Cryptography;
using Flows.Sdk.Credentials;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The store's database: one <see cref="NpgsqlDataSource"/> (Npgsql's pool, which reconnects by itself), the schema migrated
/// once per process under an advisory lock (so N nodes starting at once migrate once), the key check, and the mapping of
/// an unreachable server to <see cref="StorageUnavailableException"/>.
/// </summary>
internal sealed class PostgreSqlDatabase : IAsyncDisposable
{
    internal const string KeyCheckId = "flows-sdk-postgresql:key-check";

    private static readonly byte[] KeyCheckPlaintext = "Flows.Sdk.PostgreSql encryption key check, version 1"u8.ToArray();

    private readonly ILogger _logger;
    private readonly ICredentialProtector? _protector;
    private readonly object _initLock = new();
    private Task? _initialized;

    public PostgreSqlDatabase(IOptions<PostgreSqlStorageOptions> options, ILogger<PostgreSqlDatabase>? logger = null, ICredentialProtector? protector = null,
        TimeProvider? time = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        Options = options.Value;
        Schema = Options.Schema;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _protector = protector;
        Time = time ?? TimeProvider.System;
        Outage = new PostgreSqlOutage(_logger, Time);
        var builder = new NpgsqlConnectionStringBuilder(Options.ConnectionString) { SearchPath = Schema };

        // Round trips are the cost of this store: its statements are prepared once per connection (auto-prepare, unless the
        // connection string chooses), and a pooled connection is not reset when returned (the store sets no session state
        // beyond the connection string's: the advisory lock is released explicitly, LISTEN has its own connection).
        if (!ContainsKey(Options.ConnectionString, "Max Auto Prepare", "MaxAutoPrepare"))
        {
            builder.MaxAutoPrepare = 64;
        }

        if (!ContainsKey(Options.ConnectionString, "No Reset On Close", "NoResetOnClose"))
        {
            builder.NoResetOnClose = true;
        }

        ConnectionString = builder.ConnectionString;
        DataSource = NpgsqlDataSource.Create(ConnectionString);

        // Writes whose loss in a crash is repaired by redelivery (run log, leases, acknowledgements) do not wait for the WAL
        // flush: PostgreSQL writes the WAL in order, so a later synchronous commit (an enqueue) flushes them too.
        RelaxedDataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(ConnectionString)
        {
            Options = ((builder.Options ?? string.Empty) + " -c synchronous_commit=off").Trim(),
        }.ConnectionString);

        // NOTIFY channels are identifiers of at most 63 bytes; the schema keeps several stores in one database apart.
        var channel = "flows_state_" + Schema;
        FeedChannel = channel.Length <= 63 ? channel : channel[..63];
        var credentials = "flows_credentials_" + Schema;
        CredentialChannel = credentials.Length <= 63 ? credentials : credentials[..63];
        var queue = "flows_queue_" + Schema;
        QueueChannel = queue.Length <= 63 ? queue : queue[..63];
    }

    public PostgreSqlStorageOptions Options { get; }

    /// <summary>The schema holding the tables (the connections' search path).</summary>
    public string Schema { get; }

    /// <summary>The connection string the store uses (the configured one, with the search path set to <see cref="Schema"/>).</summary>
    public string ConnectionString { get; }

    /// <summary>The NOTIFY channel of the flow-state feed.</summary>
    public string FeedChannel { get; }

    /// <summary>The NOTIFY channel on which a deleted credential's id is announced to the other nodes' caches.</summary>
    public string CredentialChannel { get; }

    /// <summary>The NOTIFY channel on which an enqueue wakes the other nodes' waiting workers.</summary>
    public string QueueChannel { get; }

    public NpgsqlDataSource DataSource { get; }

    /// <summary>The pool for writes that need not wait for the disk (<c>synchronous_commit=off</c>); see the constructor.</summary>
    public NpgsqlDataSource RelaxedDataSource { get; }

    public TimeProvider Time { get; }

    public PostgreSqlOutage Outage { get; }

    /// <summary>The schema version this package migrates to.</summary>
    public static int LatestVersion => PostgreSqlSchema.Migrations.Count;

    /// <summary>
    /// Creates or migrates the schema and checks the encryption key, once per process (a failed attempt because the server
    /// was unreachable is tried again by the next caller; any other failure stays).
    /// </summary>
    public Task EnsureInitializedAsync(CancellationToken cancellationToken = default)
    {
        Task task;
        lock (_initLock)
        {
            if (_initialized is null || (_initialized.IsFaulted && _initialized.Exception!.InnerException is StorageUnavailableException))
            {
                _initialized = InitializeAsync();
            }

            task = _initialized;
        }

        return task.IsCompletedSuccessfully ? task : task.WaitAsync(cancellationToken);
    }

    /// <summary>Runs <paramref name="work"/> on a pooled connection; an unreachable server becomes a <see cref="StorageUnavailableException"/>.</summary>
    /// <param name="work">What to run.</param>
    /// <param name="cancellationToken">Cancels it.</param>
    /// <param name="relaxed">Commit without waiting for the WAL flush (for writes a redelivery repairs).</param>
    public async ValueTask<T> RunAsync<T>(Func<NpgsqlConnection, CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken, bool relaxed = false)
    {
        await EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            T result;
            var connection = await (relaxed ? RelaxedDataSource : DataSource).OpenConnectionAsync(cancellationToken).ConfigureAwait(false);
            await using (connection.ConfigureAwait(false))
            {
                result = await work(connection, cancellationToken).ConfigureAwait(false);
            }

            Outage.Succeeded();
            return result;
        }
        catch (Exception e) when (Unavailable(e) is { } unavailable)
        {
            Outage.Failed(unavailable.Message, e);
            throw unavailable;
        }
    }

    /// <summary>Runs <paramref name="work"/> in a transaction (committed when it returns, rolled back when it throws).</summary>
    public ValueTask<T> InTransactionAsync<T>(Func<NpgsqlConnection, NpgsqlTransaction, CancellationToken, ValueTask<T>> work, CancellationToken cancellationToken, bool relaxed = false) =>
        RunAsync(async (connection, ct) =>
        {
            var transaction = await connection.BeginTransactionAsync(ct).ConfigureAwait(false);
            await using (transaction.ConfigureAwait(false))
            {
                var result = await work(connection, transaction, ct).ConfigureAwait(false);
                await transaction.CommitAsync(ct).ConfigureAwait(false);
                return result;
            }
        }, cancellationToken, relaxed);

    /// <summary>A command on <paramref name="connection"/> with positional parameters <c>$1</c>, <c>$2</c>, ... in the order given.</summary>
    public static NpgsqlCommand Command(NpgsqlConnection connection, string sql, NpgsqlTransaction? transaction = null, params object?[] parameters)
    {
        var command = new NpgsqlCommand(sql, connection, transaction);
        foreach (var parameter in parameters)
        {
            command.Parameters.Add(new NpgsqlParameter { Value = parameter ?? DBNull.Value });
        }

        return command;
    }

    /// <summary>
    /// The <see cref="StorageUnavailableException"/> for a failure that means the database cannot be used now (unreachable,
    /// shutting down, out of connections or disk, a read-only standby, a timeout), or <see langword="null"/> for any other.
    /// </summary>
    public static StorageUnavailableException? Unavailable(Exception exception)
    {
        switch (exception)
        {
            case StorageUnavailableException known:
                return known;
            case PostgresException postgres:
                var state = postgres.SqlState;
                if (state is "40001" or "40P01")
                {
                    return new StorageUnavailableException($"PostgreSQL refused a transaction under contention ({state}); try again.", TimeSpan.FromSeconds(1), exception);
                }

                return state.StartsWith("08", StringComparison.Ordinal) || state.StartsWith("53", StringComparison.Ordinal) || state.StartsWith("57P", StringComparison.Ordinal)
                    || state.StartsWith("58", StringComparison.Ordinal) || state == "25006" || postgres.IsTransient
                    ? new StorageUnavailableException($"PostgreSQL cannot serve the store now ({state}: {postgres.MessageText}).", exception)
                    : null;
            case NpgsqlException npgsql when npgsql.IsTransient || npgsql.InnerException is SocketException or TimeoutException or IOException:
                return new StorageUnavailableException($"PostgreSQL cannot be reached ({Describe(npgsql)}).", exception);
            case TimeoutException or SocketException:
                return new StorageUnavailableException($"PostgreSQL cannot be reached ({exception.Message}).", exception);
            default:
                return null;
        }
    }

    private static bool ContainsKey(string connectionString, params string[] keys)
    {
        var parsed = new System.Data.Common.DbConnectionStringBuilder { ConnectionString = connectionString };
        return keys.Any(parsed.ContainsKey);
    }

    private static string Describe(NpgsqlException exception) =>
        exception.InnerException is { } inner ? $"{exception.Message} {inner.Message}" : exception.Message;

    private async Task InitializeAsync()
    {
        try
        {
            await MigrateAsync().ConfigureAwait(false);
        }
        catch (Exception e) when (Unavailable(e) is { } unavailable)
        {
            Outage.Failed(unavailable.Message, e);
            throw unavailable;
        }
    }

    private async Task MigrateAsync()
    {
        var connection = await DataSource.OpenConnectionAsync().ConfigureAwait(false);
        await using (connection.ConfigureAwait(false))
        {
            // One migrator at a time per schema, whatever the number of nodes starting: a session-level advisory lock, released
            // below or, if this process dies, by the server when the connection ends.
            await using (var lockCommand = Command(connection, "SELECT pg_advisory_lock(1718, hashtext($1));", null, "flows-sdk:" + Schema))
            {
                await lockCommand.ExecuteNonQueryAsync().ConfigureAwait(false);
            }

            var applied = 0;
            int version;
            try
            {
                await ExecuteAsync(connection, $"CREATE SCHEMA IF NOT EXISTS {Schema}; " +
                    "CREATE TABLE IF NOT EXISTS schema_version (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now());").ConfigureAwait(false);
                await using (var current = Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version;"))
                {
                    version = Convert.ToInt32(await current.ExecuteScalarAsync().ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
                }

                if (version > LatestVersion)
                {
                    throw new InvalidOperationException(
                        $"The PostgreSQL schema '{Schema}' is at version {version}, newer than this version of Flows.Sdk.PostgreSql knows ({LatestVersion}). " +
                        "Upgrade the package on this node (all nodes must run the same version), or point it at another schema. Nothing was changed.");
                }

                // The key is checked before any migration, so a wrong key changes nothing.
                var writeKeyCheck = _protector is not null && version > 0 && !await CheckKeyAsync(connection).ConfigureAwait(false);
                for (var next = version + 1; next <= LatestVersion; next++)
                {
                    var transaction = await connection.BeginTransactionAsync().ConfigureAwait(false);
                    await using (transaction.ConfigureAwait(false))
                    {
                        await using (var migrate = Command(connection, PostgreSqlSchema.Migrations[next - 1], transaction))
                        {
                            await migrate.ExecuteNonQueryAsync().ConfigureAwait(false);
                        }

                        await using (var record = Command(connection, "INSERT INTO schema_version (version) VALUES ($1);", transaction, next))
                        {
                            await record.ExecuteNonQueryAsync().ConfigureAwait(false);
                        }

                        await transaction.CommitAsync().ConfigureAwait(false);
                    }

                    applied++;
                }

                if (_protector is not null && (version == 0 || writeKeyCheck))
                {
                    await using var check = Command(connection, "INSERT INTO key_check (id, value) VALUES (1, $1) ON CONFLICT (id) DO NOTHING;", null,
                        _protector.Protect(KeyCheckPlaintext, KeyCheckId));
                    await check.ExecuteNonQueryAsync().ConfigureAwait(false);
                }

                version = LatestVersion;
            }
            finally
            {
                if (connection.State == System.Data.ConnectionState.Open)
                {
                    await using var unlock = Command(connection, "SELECT pg_advisory_unlock(1718, hashtext($1));", null, "flows-sdk:" + Schema);
                    await unlock.ExecuteNonQueryAsync().ConfigureAwait(false);
                }
            }

            Log.Opened(_logger, Schema, version, applied);
        }
    }

    /// <summary>True when the key check value matches; false when there is none yet; throws when the key is not the schema's.</summary>
    private async Task<bool> CheckKeyAsync(NpgsqlConnection connection)
    {
        byte[]? check;
        await using (var command = Command(connection, "SELECT value FROM key_check WHERE id = 1;"))
        {
            check = await command.ExecuteScalarAsync().ConfigureAwait(false) as byte[];
        }

        if (check is null)
        {
            // A schema from before any credential: bind it to this key. (Credentials, if any, are checked by decrypting one.)
            await using var any = Command(connection, "SELECT id, secret FROM credentials LIMIT 1;");
            await using var reader = await any.ExecuteReaderAsync().ConfigureAwait(false);
            if (await reader.ReadAsync().ConfigureAwait(false))
            {
                try
                {
                    CryptographicOperations.ZeroMemory(_protector!.Unprotect((byte[])reader.GetValue(1), reader.GetString(0)));
                }
                catch (CryptographicException e)
                {
                    throw KeyMismatch(e);
                }
            }

            return false;
        }

        byte[] plaintext;
        try
        {
            plaintext = _protector!.Unprotect(check, KeyCheckId);
        }
        catch (CryptographicException e)
        {
            throw KeyMismatch(e);
        }

        return CryptographicOperations.FixedTimeEquals(plaintext, KeyCheckPlaintext) ? true : throw KeyMismatch(null);
    }

    private InvalidOperationException KeyMismatch(Exception? inner) =>
        new(_protector is AesGcmCredentialProtector
            ? $"{PostgreSqlStorageOptions.EncryptionKeySetting} does not match the key the credentials in the PostgreSQL schema '{Schema}' were encrypted with: " +
              "their secrets cannot be decrypted. Set the key they were encrypted with (the same on every node). Nothing was changed."
            : $"The registered {nameof(ICredentialProtector)} cannot decrypt the credentials in the PostgreSQL schema '{Schema}': its key does not match the one " +
              $"they were encrypted with ({PostgreSqlStorageOptions.EncryptionKeySetting} is not used with a registered protector). Nothing was changed.",
            inner);

    private static async Task ExecuteAsync(NpgsqlConnection connection, string sql)
    {
        await using var command = Command(connection, sql);
        await command.ExecuteNonQueryAsync().ConfigureAwait(false);
    }

    public async ValueTask DisposeAsync()
    {
        await RelaxedDataSource.DisposeAsync().ConfigureAwait(false);
        await DataSource.DisposeAsync().ConfigureAwait(false);
    }
}
