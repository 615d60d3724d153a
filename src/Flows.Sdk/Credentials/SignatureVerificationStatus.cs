namespace Flows.Sdk.Credentials;

/// <summary>The outcome of a signature verification.</summary>
public enum SignatureVerificationStatus
{
    /// <summary>One of the signatures matches one of the secrets, and the timestamp (if the scheme has one) is within the tolerance.</summary>
    Valid = 0,

    /// <summary>The signature header is absent or empty.</summary>
    MissingSignature = 1,

    /// <summary>The signature header is present but cannot be read: wrong prefix, bad hex or base64, wrong length, bad syntax.</summary>
    MalformedSignature = 2,

    /// <summary>The signature is well formed but matches none of the secrets.</summary>
    Mismatch = 3,

    /// <summary>The scheme requires a timestamp and the request carries none.</summary>
    MissingTimestamp = 4,

    /// <summary>The timestamp is not a non-negative integer number of seconds since the Unix epoch.</summary>
    MalformedTimestamp = 5,

    /// <summary>The timestamp is further from the current time than the tolerance allows (in either direction).</summary>
    Expired = 6,

    /// <summary>The scheme requires a message id (Standard Webhooks' <c>webhook-id</c>) and the request carries none.</summary>
    MissingMessageId = 7,
}
