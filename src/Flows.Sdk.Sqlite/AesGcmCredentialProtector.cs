using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Credentials;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The default <see cref="ICredentialProtector"/>: AES-256-GCM with a random 96-bit nonce per secret and the credential id as
/// associated data. Layout: version (1 byte, 1) | nonce (12) | tag (16) | ciphertext.
/// </summary>
internal sealed class AesGcmCredentialProtector : ICredentialProtector
{
    private const byte FormatVersion = 1;
    private const int NonceSize = 12;
    private const int TagSize = 16;
    private const int HeaderSize = 1 + NonceSize + TagSize;

    private readonly byte[] _key;

    public AesGcmCredentialProtector(string? base64Key)
    {
        var problem = CheckKey(base64Key);
        if (problem is not null)
        {
            throw new ArgumentException($"{SqliteStorageOptions.EncryptionKeySetting} {problem}", nameof(base64Key));
        }

        _key = Convert.FromBase64String(base64Key!);
    }

    /// <summary>Says what is wrong with a key, or <see langword="null"/> when it is a base64 256-bit key.</summary>
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

    public byte[] Protect(ReadOnlySpan<byte> secret, string credentialId)
    {
        var result = new byte[HeaderSize + secret.Length];
        result[0] = FormatVersion;
        var nonce = result.AsSpan(1, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var aes = new AesGcm(_key, TagSize);
        aes.Encrypt(nonce, secret, result.AsSpan(HeaderSize), result.AsSpan(1 + NonceSize, TagSize), Encoding.UTF8.GetBytes(credentialId));
        return result;
    }

    public byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string credentialId)
    {
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
