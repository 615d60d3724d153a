namespace Flows.Sdk.Credentials;

/// <summary>No credential has the given id.</summary>
public sealed class CredentialNotFoundException : NotFoundException
{
    /// <summary>Creates the exception for <paramref name="credentialId"/>.</summary>
    public CredentialNotFoundException(string credentialId)
        : base("credential", credentialId, $"Credential '{credentialId}' was not found.") => CredentialId = credentialId;

    /// <summary>The id that was looked up.</summary>
    public string CredentialId { get; }
}
