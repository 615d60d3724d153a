using Flows.Sdk.Credentials;

namespace Flows.Sdk.Storage;

/// <summary>Keeps credentials in memory. Fields are copied in and out so callers cannot change what is stored.</summary>
internal sealed class InMemoryCredentialStore : ICredentialStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, Credential> _credentials = new(StringComparer.Ordinal);

    public ValueTask AddAsync(Credential credential, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            if (!_credentials.TryAdd(credential.Id, Copy(credential)))
            {
                throw new InvalidOperationException($"A credential with id '{credential.Id}' exists.");
            }
        }

        return default;
    }

    public ValueTask<Credential?> GetAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_credentials.TryGetValue(credentialId, out var c) ? Copy(c) : null);
        }
    }

    public ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_credentials.Values.OrderBy(c => c.CreatedAt).ThenBy(c => c.Id, StringComparer.Ordinal).Select(Copy).ToArray());
        }
    }

    public ValueTask<bool> DeleteAsync(string credentialId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            return new(_credentials.Remove(credentialId));
        }
    }

    private static Credential Copy(Credential c) => c with { Fields = (Newtonsoft.Json.Linq.JObject)c.Fields.DeepClone() };
}
