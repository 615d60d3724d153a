using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Credentials;

/// <summary>Builds the authenticator of a webhook credential from its validated <c>fields</c>.</summary>
internal static class WebhookAuthenticatorFactory
{
    /// <summary>The Basic realm used when the caller gives none.</summary>
    public const string DefaultRealm = "webhook";

    /// <summary>Validates <paramref name="fields"/> and, when they are valid, builds the authenticator.</summary>
    /// <param name="fields">The credential's fields, with <c>type</c>.</param>
    /// <param name="realm">The realm of the Basic challenge (for example the flow's title).</param>
    /// <param name="authenticator">The authenticator, or <see langword="null"/> when the fields are not valid.</param>
    /// <param name="errors">The problems found (empty when valid).</param>
    public static bool TryCreate(JObject? fields, string realm, out IWebhookAuthenticator? authenticator, out IReadOnlyList<CredentialFieldError> errors)
    {
        errors = WebhookCredentialValidator.Validate(fields);
        if (errors.Count > 0)
        {
            authenticator = null;
            return false;
        }

        authenticator = (string)fields!["type"]! switch
        {
            WebhookCredentialTypes.Basic => new BasicWebhookAuthenticator((string)fields["username"]!, (string)fields["password"]!, realm),
            WebhookCredentialTypes.ApiKey => new ApiKeyWebhookAuthenticator((string)fields["headerName"]!, (string)fields["headerValue"]!),
            WebhookCredentialTypes.Hmac => new HmacWebhookAuthenticator(new HmacSignatureVerifier(WebhookCredentialValidator.ToHmacOptions(fields))),
            _ => NoneWebhookAuthenticator.Instance,
        };
        return true;
    }

    /// <summary>Validates <paramref name="fields"/> and builds the authenticator.</summary>
    /// <exception cref="ArgumentException">The fields are not valid; the message lists every problem by field name, never a value.</exception>
    public static IWebhookAuthenticator Create(JObject? fields, string realm = DefaultRealm)
    {
        if (!TryCreate(fields, realm, out var authenticator, out var errors))
        {
            throw new ArgumentException(string.Join(" ", errors.Select(e => e.Message)), nameof(fields));
        }

        return authenticator!;
    }
}
