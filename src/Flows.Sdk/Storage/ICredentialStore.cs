using Flows.Sdk.Credentials;

namespace Flows.Sdk.Storage;

/// <summary>Stores credentials, secrets included: a durable implementation must protect them at rest.</summary>
public interface ICredentialStore
{
    /// <summary>Adds a credential.</summary>
    ValueTask AddAsync(Credential credential, CancellationToken cancellationToken = default);

    /// <summary>Gets a credential, or <see langword="null"/>.</summary>
    ValueTask<Credential?> GetAsync(string credentialId, CancellationToken cancellationToken = default);

    /// <summary>Lists all credentials, oldest first.</summary>
    ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>Deletes a credential; returns <see langword="false"/> when there was none with that id.</summary>
    ValueTask<bool> DeleteAsync(string credentialId, CancellationToken cancellationToken = default);
}
