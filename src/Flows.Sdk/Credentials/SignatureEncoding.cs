namespace Flows.Sdk.Credentials;

/// <summary>How a signature is written in its HTTP header.</summary>
public enum SignatureEncoding
{
    /// <summary>Hexadecimal digits, upper or lower case. The default.</summary>
    Hex = 0,

    /// <summary>Standard Base64 (RFC 4648 section 4) with padding.</summary>
    Base64 = 1,
}
