namespace Flows.Sdk.Components;

/// <summary>The outcome of a component's credential check.</summary>
/// <param name="Verified">Whether the credential works.</param>
/// <param name="Reason">Why it does not, for a person; <see langword="null"/> when verified.</param>
public sealed record CredentialVerificationResult(bool Verified, string? Reason = null)
{
    /// <summary>The credential works.</summary>
    public static CredentialVerificationResult Success { get; } = new(true);

    /// <summary>The credential does not work, for the given reason.</summary>
    public static CredentialVerificationResult Failed(string reason) => new(false, reason);
}
