namespace Flows.Sdk.Credentials;

/// <summary>
/// The result of verifying a request's signature: the status, the HTTP header it concerns, and the message id the
/// sender gave (for replay protection). It never contains a secret or a signature.
/// </summary>
public readonly struct SignatureVerificationResult : IEquatable<SignatureVerificationResult>
{
    internal SignatureVerificationResult(SignatureVerificationStatus status, string headerName, string? messageId)
    {
        Status = status;
        HeaderName = headerName;
        MessageId = messageId;
    }

    /// <summary>The outcome.</summary>
    public SignatureVerificationStatus Status { get; }

    /// <summary><see langword="true"/> when <see cref="Status"/> is <see cref="SignatureVerificationStatus.Valid"/>.</summary>
    public bool IsValid => Status == SignatureVerificationStatus.Valid;

    /// <summary>
    /// The HTTP header the result concerns: the signature header, or the timestamp or id header when the failure is about
    /// them. Never <see langword="null"/> for a result returned by a verifier.
    /// </summary>
    public string HeaderName { get; }

    /// <summary>
    /// The message id the sender attached (Standard Webhooks' <c>webhook-id</c>, or the configured id header such as
    /// GitHub's <c>X-GitHub-Delivery</c>), or <see langword="null"/> when the scheme has none or it was not sent.
    /// Use it as the replay-protection key together with the flow id, only when <see cref="IsValid"/> is <see langword="true"/>.
    /// </summary>
    public string? MessageId { get; }

    /// <summary>
    /// A message for the sender explaining the outcome, suitable for a problem details response. It names headers only,
    /// never a secret or a signature. Built on each access; the hot path does not call it.
    /// </summary>
    public string Message => Status switch
    {
        SignatureVerificationStatus.Valid => "The signature is valid.",
        SignatureVerificationStatus.MissingSignature => $"The request is expected to be signed. Please send the signature using the {HeaderName} HTTP header",
        SignatureVerificationStatus.MalformedSignature => $"The signature in the {HeaderName} HTTP header is not well formed.",
        SignatureVerificationStatus.Mismatch => $"The signature in the {HeaderName} HTTP header does not match the request.",
        SignatureVerificationStatus.MissingTimestamp => $"The request is expected to carry a timestamp. Please send it using the {HeaderName} HTTP header",
        SignatureVerificationStatus.MalformedTimestamp => $"The timestamp in the {HeaderName} HTTP header is not a number of seconds since the Unix epoch.",
        SignatureVerificationStatus.Expired => $"The timestamp in the {HeaderName} HTTP header is outside the accepted tolerance.",
        SignatureVerificationStatus.MissingMessageId => $"The request is expected to carry a message id. Please send it using the {HeaderName} HTTP header",
        _ => "The signature could not be verified.",
    };

    /// <inheritdoc />
    public bool Equals(SignatureVerificationResult other) =>
        Status == other.Status
        && string.Equals(HeaderName, other.HeaderName, StringComparison.Ordinal)
        && string.Equals(MessageId, other.MessageId, StringComparison.Ordinal);

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is SignatureVerificationResult other && Equals(other);

    /// <inheritdoc />
    public override int GetHashCode() => HashCode.Combine(Status, HeaderName, MessageId);

    /// <summary>Compares two results.</summary>
    public static bool operator ==(SignatureVerificationResult left, SignatureVerificationResult right) => left.Equals(right);

    /// <summary>Compares two results.</summary>
    public static bool operator !=(SignatureVerificationResult left, SignatureVerificationResult right) => !left.Equals(right);

    /// <inheritdoc />
    public override string ToString() => MessageId is null ? $"{Status} ({HeaderName})" : $"{Status} ({HeaderName}, message {MessageId})";
}
