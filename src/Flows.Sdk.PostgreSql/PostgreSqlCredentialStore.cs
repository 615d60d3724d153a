using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Credentials;
using Flows.Sdk.Storage;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// Credentials: name, component and date in columns, the fields (secrets) encrypted by the <see cref="ICredentialProtector"/>
/// in <c>secret</c>. Credentials are never changed, only added and deleted, so each node caches what it read: a delete
/// announces the id with <c>pg_notify</c> in its own statement, and every node's <see cref="PostgreSqlFlowStateFeed"/>
/// listening connection drops it from that node's cache. The cache is used only while that connection is up, and emptied
/// each time it is (re)established; meanwhile every read goes to the database.
/// </summary>
internal sealed class PostgreSqlCredentialStore : ICredentialStore
{
    private readonly ConcurrentDictionary<string, Credential> _cache = new(StringComparer.Ordinal);
    private readonly PostgreSqlDatabase database;
    private readonly ICredentialProtector protector;
    private readonly PostgreSqlFlowStateFeed? _feed;
    private long _removals;

    /// <param name="database">The database.</param>
    /// <param name="protector">Encrypts the secrets.</param>
    /// <param name="feed">The listener of deletions on other nodes; without one (a single node) the cache is always used.</param>
    public PostgreSqlCredentialStore(PostgreSqlDatabase database, ICredentialProtector protector, PostgreSqlFlowStateFeed? feed = null)
    {
        this.database = database;
        this.protector = protector;
        _feed = feed;
        feed?.OnCredentialRemoved(id =>
        {
            Interlocked.Increment(ref _removals);
            if (id is null)
            {
                _cache.Clear();
            }
            else
            {
                _cache.TryRemove(id, out _);
            }
        });
    }

    private bool Cached => _feed is null || _feed.IsListening;

    public async ValueTask AddAsync(Credential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var secret = protector.Protect(Encoding.UTF8.GetBytes(credential.Fields.ToString(Formatting.None)), credential.Id);
        var added = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "INSERT INTO credentials (id, name, component_id, created_at, secret) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (id) DO NOTHING;", null,
                credential.Id, credential.Name, credential.ComponentId, credential.CreatedAt.UtcTicks, secret);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
        if (!added)
        {
            throw new InvalidOperationException($"A credential with id '{credential.Id}' exists.");
        }

        _cache[credential.Id] = Copy(credential);
    }

    public async ValueTask<Credential?> GetAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        if (Cached && _cache.TryGetValue(credentialId, out var cached))
        {
            return Copy(cached);
        }

        // A read that raced with a removal is not cached: it may hold what was deleted meanwhile.
        var removals = Interlocked.Read(ref _removals);
        var credential = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "SELECT id, name, component_id, created_at, secret FROM credentials WHERE id = $1;", null, credentialId);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken).ConfigureAwait(false);
        if (credential is not null && Cached && Interlocked.Read(ref _removals) == removals)
        {
            _cache[credentialId] = Copy(credential);
        }

        return credential;
    }

    /// <remarks>The other nodes drop it from their caches when the notification reaches them (milliseconds after the commit).</remarks>
    public async ValueTask<bool> DeleteAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        Interlocked.Increment(ref _removals);
        _cache.TryRemove(credentialId, out _);
        var deleted = await database.RunAsync(async (connection, ct) =>
        {
            // The notification is sent when the delete commits (the statement's own transaction), and only if a row went.
            await using var command = PostgreSqlDatabase.Command(connection, """
                WITH gone AS (DELETE FROM credentials WHERE id = $1 RETURNING id)
                SELECT count(pg_notify($2, id)) FROM gone;
                """, null, credentialId, database.CredentialChannel);
            return (long)(await command.ExecuteScalarAsync(ct).ConfigureAwait(false))! == 1;
        }, cancellationToken).ConfigureAwait(false);
        Interlocked.Increment(ref _removals);
        _cache.TryRemove(credentialId, out _);
        return deleted;
    }

    public async ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default) =>
        await database.RunAsync<IReadOnlyList<Credential>>(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "SELECT id, name, component_id, created_at, secret FROM credentials ORDER BY created_at, id;");
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            var credentials = new List<Credential>();
            while (await reader.ReadAsync(ct).ConfigureAwait(false))
            {
                credentials.Add(Read(reader));
            }

            return credentials;
        }, cancellationToken).ConfigureAwait(false);

    private Credential Read(NpgsqlDataReader reader)
    {
        var id = reader.GetString(0);
        var fields = protector.Unprotect((byte[])reader.GetValue(4), id);
        try
        {
            return new Credential
            {
                Id = id,
                Name = reader.GetString(1),
                ComponentId = reader.GetString(2),
                CreatedAt = new DateTimeOffset(reader.GetInt64(3), TimeSpan.Zero),
                Fields = PostgreSqlJson.ParseObject(Encoding.UTF8.GetString(fields)),
            };
        }
        finally
        {
            CryptographicOperations.ZeroMemory(fields);
        }
    }

    private static Credential Copy(Credential c) => c with { Fields = (JObject)c.Fields.DeepClone() };
}
