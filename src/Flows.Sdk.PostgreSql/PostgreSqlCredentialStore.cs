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
/// in <c>secret</c>. Credentials are only ever added, so each node caches what it read.
/// </summary>
internal sealed class PostgreSqlCredentialStore(PostgreSqlDatabase database, ICredentialProtector protector) : ICredentialStore
{
    private readonly ConcurrentDictionary<string, Credential> _cache = new(StringComparer.Ordinal);

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
        if (_cache.TryGetValue(credentialId, out var cached))
        {
            return Copy(cached);
        }

        var credential = await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection,
                "SELECT id, name, component_id, created_at, secret FROM credentials WHERE id = $1;", null, credentialId);
            await using var reader = await command.ExecuteReaderAsync(ct).ConfigureAwait(false);
            return await reader.ReadAsync(ct).ConfigureAwait(false) ? Read(reader) : null;
        }, cancellationToken).ConfigureAwait(false);
        if (credential is not null)
        {
            _cache[credentialId] = Copy(credential);
        }

        return credential;
    }

    /// <remarks>Another node may serve the credential from its cache until it restarts; the manager deletes only credentials no flow uses.</remarks>
    public async ValueTask<bool> DeleteAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        _cache.TryRemove(credentialId, out _);
        return await database.RunAsync(async (connection, ct) =>
        {
            await using var command = PostgreSqlDatabase.Command(connection, "DELETE FROM credentials WHERE id = $1;", null, credentialId);
            return await command.ExecuteNonQueryAsync(ct).ConfigureAwait(false) == 1;
        }, cancellationToken).ConfigureAwait(false);
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
