namespace Flows.Sdk.Credentials;

/// <summary>
/// Encrypts credentials' secrets for a durable store, so that a copy of the store's files reveals none of them.
/// Durable stores use it for <see cref="Credential.Fields"/>; register your own (a key vault, a KMS, ASP.NET Core Data Protection)
/// as a singleton <see cref="ICredentialProtector"/> to replace a store's default.
/// </summary>
public interface ICredentialProtector
{
    /// <summary>Encrypts <paramref name="secret"/>, bound to <paramref name="credentialId"/> so it cannot be moved to another credential.</summary>
    /// <param name="secret">The plaintext (the credential's fields as UTF-8 JSON).</param>
    /// <param name="credentialId">The credential the secret belongs to; the same id must be given to <see cref="Unprotect"/>.</param>
    /// <returns>The protected bytes, which carry everything needed to decrypt them with the same key.</returns>
    byte[] Protect(ReadOnlySpan<byte> secret, string credentialId);

    /// <summary>Decrypts what <see cref="Protect"/> returned.</summary>
    /// <param name="protectedSecret">The protected bytes.</param>
    /// <param name="credentialId">The credential the secret belongs to.</param>
    /// <returns>The plaintext.</returns>
    /// <exception cref="System.Security.Cryptography.CryptographicException">
    /// The key is not the one that protected the secret, or the bytes were changed or belong to another credential.
    /// </exception>
    byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string credentialId);
}
