using System.Security.Cryptography;
using System.Text;

namespace Flows.Sdk.Credentials;

/// <summary>
/// The default <see cref="ICredentialProtector"/> of the durable stores (SQLite, PostgreSQL): AES-256-GCM with a random 96-bit
/// nonce per secret and the credential id as associated data, so a secret copied onto another credential does not decrypt.
/// </summary>
/// <remarks>
/// The layout of a protected secret is fixed (stores keep it at rest): version (1 byte, <c>1</c>) | nonce (12 bytes) | tag
/// (16 bytes) | ciphertext. The key is 32 random bytes, base64-encoded (for example <c>openssl rand -base64 32</c>).
/// Thread-safe.
/// </remarks>
public sealed class AesGcmCredentialProtector : ICredentialProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize + TagSize;

    private readonly byte[] _key;

    /// <summary>Creates the protector over a 256-bit key.</summary>
    /// <param name="base64Key">The key: 32 bytes in base64.</param>
    /// <exception cref="ArgumentException">The key is missing, not base64, or not 32 bytes long (the message says which).</exception>
    public AesGcmCredentialProtector(string? base64Key)
    {
        var problem = CheckKey(base64Key);
        if (problem is not null)
        {
            throw new ArgumentException($"The encryption key {problem}", nameof(base64Key));
        }

        _key = Convert.FromBase64String(base64Key!.Trim());
    }

    /// <summary>Says what is wrong with a key, or <see langword="null"/> when it is a base64 256-bit key.</summary>
    /// <param name="base64Key">The key to check.</param>
    /// <returns>A sentence fragment such as <c>is missing.</c>, to follow the setting's name; <see langword="null"/> when the key is usable.</returns>
    public static string? CheckKey(string? base64Key)
    {
        if (string.IsNullOrWhiteSpace(base64Key))
        {
            return "is missing.";
        }

        var buffer = new byte[base64Key.Length];
        if (!Convert.TryFromBase64String(base64Key.Trim(), buffer, out var length))
        {
            return "is not valid base64.";
        }

        CryptographicOperations.ZeroMemory(buffer);
        return length == 32 ? null : $"must decode to 32 bytes (256 bits); it decodes to {length}.";
    }

    /// <inheritdoc />
    public byte[] Protect(ReadOnlySpan<byte> secret, string credentialId)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        var result = new byte[HeaderSize + secret.Length];
        result[0] = FormatVersion;
        var nonce = result.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, secret, result.AsSpan(HeaderSize), result.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(credentialId));
        return result;
    }

    /// <inheritdoc />
    public byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string credentialId)
    {
        ArgumentNullException.ThrowIfNull(credentialId);
        if (protectedSecret.Length < HeaderSize || protectedSecret[0] != FormatVersion)
        {
            throw new CryptographicException("The protected secret has an unknown format.");
        }

        var plaintext = new byte[protectedSecret.Length - HeaderSize];
        using var aes = new AesGcm(_key, TagSize);
        aes.Decrypt(protectedSecret.Slice(1, NonceSize), protectedSecret[HeaderSize..], protectedSecret.Slice(1 + NonceSize, TagSize), plaintext,
            Encoding.UTF8.GetBytes(credentialId));
        return plaintext;
    }
}
