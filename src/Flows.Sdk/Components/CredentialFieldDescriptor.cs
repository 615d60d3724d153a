namespace Flows.Sdk.Components;

/// <summary>A field of a component's credential.</summary>
/// <param name="Name">The field's name in the credential's <c>fields</c>.</param>
/// <param name="Label">The field's label, for a person.</param>
public sealed record CredentialFieldDescriptor(string Name, string Label)
{
    /// <summary>Whether a credential must have the field.</summary>
    public bool Required { get; init; }

    /// <summary>Whether the field is a secret: never logged, never returned by an API (shown as <c>***</c>).</summary>
    public bool Secret { get; init; }
}
