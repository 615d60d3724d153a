namespace Flows.Sdk.Credentials;

/// <summary>
/// The outcome of authenticating a hook request, ready to become an HTTP response: 200 (go on), 400 (a required
/// signature, timestamp or id is missing or malformed) or 401 (wrong credentials, signature mismatch, expired).
/// Messages name headers only, never a secret, a password or a signature.
/// </summary>
internal readonly struct WebhookAuthenticationResult
{
    private WebhookAuthenticationResult(int statusCode, string? message, string? wwwAuthenticate, string? messageId, SignatureVerificationStatus? signatureStatus)
    {
        StatusCode = statusCode;
        Message = message;
        WwwAuthenticate = wwwAuthenticate;
        MessageId = messageId;
        SignatureStatus = signatureStatus;
    }

    /// <summary>200 when authenticated, otherwise the status code to answer with (400 or 401).</summary>
    public int StatusCode { get; }

    /// <summary><see langword="true"/> when the request is authenticated.</summary>
    public bool Succeeded => StatusCode == 200;

    /// <summary>The problem detail for a failure; <see langword="null"/> on success.</summary>
    public string? Message { get; }

    /// <summary>The <c>WWW-Authenticate</c> header value to send with a 401 (Basic credentials only), or <see langword="null"/>.</summary>
    public string? WwwAuthenticate { get; }

    /// <summary>The sender's message id on success, when the scheme carries one: the key for replay protection.</summary>
    public string? MessageId { get; }

    /// <summary>The signature outcome for HMAC credentials, for logging; <see langword="null"/> for other types.</summary>
    public SignatureVerificationStatus? SignatureStatus { get; }

    public static WebhookAuthenticationResult Authenticated(string? messageId = null, SignatureVerificationStatus? signatureStatus = null) =>
        new(200, null, null, messageId, signatureStatus);

    public static WebhookAuthenticationResult BadRequest(string message, SignatureVerificationStatus? signatureStatus = null) =>
        new(400, message, null, null, signatureStatus);

    public static WebhookAuthenticationResult Unauthorized(string message, string? wwwAuthenticate = null, SignatureVerificationStatus? signatureStatus = null) =>
        new(401, message, wwwAuthenticate, null, signatureStatus);

    /// <summary>
    /// Maps a signature outcome: a missing part (signature, timestamp, message id) is the sender's mistake (400, naming the header);
    /// a signature or timestamp that is there but wrong, whether it does not match, cannot be read or is out of tolerance, is
    /// refused as a wrong signature (401).
    /// </summary>
    public static WebhookAuthenticationResult FromSignature(in SignatureVerificationResult result) => result.Status switch
    {
        SignatureVerificationStatus.Valid => Authenticated(result.MessageId, result.Status),
        SignatureVerificationStatus.Mismatch or SignatureVerificationStatus.Expired
            or SignatureVerificationStatus.MalformedSignature or SignatureVerificationStatus.MalformedTimestamp
            => Unauthorized(result.Message, null, result.Status),
        _ => BadRequest(result.Message, result.Status),
    };

    public override string ToString() => Succeeded ? "200 authenticated" : $"{StatusCode} {Message}";
}
