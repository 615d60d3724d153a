using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Credentials;

/// <summary>Creates, lists and verifies credentials.</summary>
public interface ICredentialManager
{
    /// <summary>Creates a credential for a component after checking its fields against the component's descriptor.</summary>
    /// <exception cref="CredentialValidationException">The component is unknown or the fields are not valid.</exception>
    ValueTask<Credential> CreateAsync(string name, string componentId, JObject fields, CancellationToken cancellationToken = default);

    /// <summary>Gets a credential, or <see langword="null"/>.</summary>
    ValueTask<Credential?> GetAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Lists all credentials.</summary>
    ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Runs the component's check of the credential, for at most 30 seconds. A timeout or an exception
    /// is reported as not verified, with the reason; it is never thrown.
    /// </summary>
    /// <exception cref="CredentialNotFoundException">No credential has that id.</exception>
    ValueTask<CredentialVerificationResult> VerifyAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Deletes a credential that no flow uses (in its draft or its live version).</summary>
    /// <exception cref="CredentialNotFoundException">No credential has that id.</exception>
    /// <exception cref="CredentialInUseException">Flows use it; the exception names them.</exception>
    ValueTask DeleteAsync(string id, CancellationToken cancellationToken = default);

    /// <summary>Returns a copy of the credential's fields with every secret replaced by <c>***</c>.</summary>
    JObject Redact(Credential credential);
}
