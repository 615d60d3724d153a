namespace Flows.Sdk.Credentials;

/// <summary>The hash function of an HMAC signature.</summary>
public enum HmacSignatureAlgorithm
{
    /// <summary>HMAC-SHA256 (32-byte signatures). The default.</summary>
    Sha256 = 0,

    /// <summary>HMAC-SHA512 (64-byte signatures).</summary>
    Sha512 = 1,

    /// <summary>HMAC-SHA1 (20-byte signatures), only for legacy senders that cannot do better.</summary>
    Sha1 = 2,
}
