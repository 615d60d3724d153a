using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Credentials;

/// <summary>No authentication: every request is accepted.</summary>
internal sealed class NoneWebhookAuthenticator : IWebhookAuthenticator
{
    public static readonly NoneWebhookAuthenticator Instance = new();

    public string Type => WebhookCredentialTypes.None;

    public TimeSpan ReplayWindow { get; } = IWebhookAuthenticator.ReplayWindowFor(HmacSignatureOptions.DefaultTolerance);

    public IReadOnlyList<string> SecretHeaders => [];

    public WebhookAuthenticationSession Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now) =>
        new(WebhookAuthenticationResult.Authenticated());
}
