using System.Text;
using Flows.Sdk.Credentials;
using Flows.Sdk.Storage;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// Credentials: name, component and date as JSON (<see cref="FlowsJson.Credential(Credential)"/>, no fields), the fields (the secrets) encrypted by the <see cref="ICredentialProtector"/>
/// in a separate column, bound to the credential's id. Decrypted credentials are kept in a write-through cache (the hook
/// reads its credential on every request) and copied out, so callers cannot change them.
/// </summary>
internal sealed class SqliteCredentialStore(SqliteDatabase database, ICredentialProtector protector) : ICredentialStore
{
    private readonly StoreCache<Credential> _cache = new();

    public async ValueTask AddAsync(Credential credential, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(credential);
        var metadata = FlowsJson.Credential(credential).ToString(Formatting.None);
        var secret = protector.Protect(Encoding.UTF8.GetBytes(credential.Fields.ToString(Formatting.None)), credential.Id);
        await database.WriteAsync(context =>
        {
            var command = context.Command("INSERT INTO credentials (id, created_at, data, secret) VALUES ($id, $created, $data, $secret) ON CONFLICT (id) DO NOTHING;");
            command.Parameters.AddWithValue("$id", credential.Id);
            command.Parameters.AddWithValue("$created", credential.CreatedAt.UtcTicks);
            command.Parameters.AddWithValue("$data", metadata);
            command.Parameters.AddWithValue("$secret", secret);
            return command.ExecuteNonQuery() == 1 ? true : throw new InvalidOperationException($"A credential with id '{credential.Id}' exists.");
        }).ConfigureAwait(false);
        _cache.Set(credential.Id, Copy(credential));
    }

    public async ValueTask<Credential?> GetAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        if (_cache.TryGet(credentialId, out var cached))
        {
            return Copy(cached);
        }

        var generation = _cache.Generation;
        var credential = await database.ReadAsync(context =>
        {
            var command = context.Command("SELECT data, secret FROM credentials WHERE id = $id;");
            command.Parameters.AddWithValue("$id", credentialId);
            using var reader = command.ExecuteReader();
            return reader.Read() ? Read(reader.GetString(0), (byte[])reader.GetValue(1)) : null;
        }).ConfigureAwait(false);
        if (credential is not null)
        {
            _cache.AddRead(credentialId, Copy(credential), generation);
        }

        return credential;
    }

    public async ValueTask<bool> DeleteAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        var deleted = await database.WriteAsync(context =>
        {
            var command = context.Command("DELETE FROM credentials WHERE id = $id;");
            command.Parameters.AddWithValue("$id", credentialId);
            return command.ExecuteNonQuery() == 1;
        }).ConfigureAwait(false);
        _cache.Remove(credentialId);
        return deleted;
    }

    private static Credential Copy(Credential c) => c with { Fields = (JObject)c.Fields.DeepClone() };

    public async ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default) =>
        await database.ReadAsync<IReadOnlyList<Credential>>(context =>
        {
            var command = context.Command("SELECT data, secret FROM credentials ORDER BY created_at, id;");
            using var reader = command.ExecuteReader();
            var credentials = new List<Credential>();
            while (reader.Read())
            {
                credentials.Add(Read(reader.GetString(0), (byte[])reader.GetValue(1)));
            }

            return credentials;
        }).ConfigureAwait(false);

    private Credential Read(string metadata, byte[] secret)
    {
        var credential = FlowsJson.ReadCredential(FlowsJson.Parse(metadata));
        var fields = protector.Unprotect(secret, credential.Id);
        try
        {
            using var reader = new JsonTextReader(new StringReader(Encoding.UTF8.GetString(fields))) { DateParseHandling = DateParseHandling.None };
            return credential with { Fields = JObject.Load(reader) };
        }
        finally
        {
            System.Security.Cryptography.CryptographicOperations.ZeroMemory(fields);
        }
    }
}
