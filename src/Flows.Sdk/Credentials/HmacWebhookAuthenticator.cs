using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Credentials;

/// <summary>
/// HMAC signature authentication through an <see cref="HmacSignatureVerifier"/>. The body-dependent part is incremental:
/// the session takes the body segments as the hook reads them.
/// </summary>
internal sealed class HmacWebhookAuthenticator : IWebhookAuthenticator, IDisposable
{
    public HmacWebhookAuthenticator(HmacSignatureVerifier verifier)
    {
        Verifier = verifier ?? throw new ArgumentNullException(nameof(verifier));
    }

    public string Type => WebhookCredentialTypes.Hmac;

    public TimeSpan ReplayWindow => IWebhookAuthenticator.ReplayWindowFor(Verifier.Tolerance);

    public IReadOnlyList<string> SecretHeaders => [];

    public HmacSignatureVerifier Verifier { get; }

    public WebhookAuthenticationSession Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now) =>
        new(Verifier.Begin(headers, now));

    public void Dispose() => Verifier.Dispose();
}
