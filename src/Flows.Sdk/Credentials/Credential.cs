using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Credentials;

/// <summary>
/// A credential of a component: a named set of fields (for example an API key), stored once and used by flow steps.
/// <see cref="Fields"/> holds the secrets; APIs return a redacted copy.
/// </summary>
public sealed record Credential
{
    /// <summary>The credential's id.</summary>
    public required string Id { get; init; }

    /// <summary>The credential's name, for a person.</summary>
    public required string Name { get; init; }

    /// <summary>The component the credential belongs to.</summary>
    public required string ComponentId { get; init; }

    /// <summary>The credential's fields, secrets included. Never log or return them as they are.</summary>
    public required JObject Fields { get; init; }

    /// <summary>When the credential was created.</summary>
    public required DateTimeOffset CreatedAt { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"Credential {Id} ({ComponentId}, '{Name}')";
}
