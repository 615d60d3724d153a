namespace Flows.Sdk.Credentials;

/// <summary>A credential cannot be deleted: flows use it (in their draft or their live version).</summary>
public sealed class CredentialInUseException : ConflictException
{
    /// <summary>Creates the exception for <paramref name="credentialId"/>, used by <paramref name="flows"/>.</summary>
    /// <param name="credentialId">The credential.</param>
    /// <param name="flows">The flows that use it: id and name.</param>
    public CredentialInUseException(string credentialId, IReadOnlyList<(string Id, string Name)> flows)
        : base($"Credential '{credentialId}' is used by {(flows.Count == 1 ? "the flow" : "the flows")} {string.Join(", ", flows.Select(f => $"'{f.Name}' ({f.Id})"))}: change or delete {(flows.Count == 1 ? "it" : "them")} first.")
    {
        CredentialId = credentialId;
        FlowIds = flows.Select(f => f.Id).ToArray();
    }

    /// <summary>The credential.</summary>
    public string CredentialId { get; }

    /// <summary>The ids of the flows that use it.</summary>
    public IReadOnlyList<string> FlowIds { get; }
}
