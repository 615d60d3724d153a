namespace Flows.Sdk.Credentials;

/// <summary>
/// A publisher's signature scheme. A preset fixes the algorithm, the encoding, the prefix and the signed content
/// the way its publisher documents them; only the secrets, the tolerance and (where noted) the header names remain to set.
/// </summary>
public enum HmacSignaturePreset
{
    /// <summary>
    /// No preset: HMAC over the raw body with the configured <see cref="HmacSignatureOptions.Algorithm"/>,
    /// <see cref="HmacSignatureOptions.Encoding"/> and <see cref="HmacSignatureOptions.Prefix"/>,
    /// sent in <see cref="HmacSignatureOptions.HeaderName"/> (default <c>x-eio-signature</c>). Secrets are used as UTF-8 bytes.
    /// </summary>
    None = 0,

    /// <summary>
    /// GitHub: <c>X-Hub-Signature-256: sha256=&lt;hex HMAC-SHA256 of the raw body&gt;</c>; the secret is used as UTF-8 bytes;
    /// the message id is read from <c>X-GitHub-Delivery</c>.
    /// </summary>
    GitHub = 1,

    /// <summary>
    /// Stripe: <c>Stripe-Signature: t=&lt;unix seconds&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;...]</c>, HMAC-SHA256 over
    /// <c>"{t}.{body}"</c>; the whole signing secret (<c>whsec_...</c>) is used as UTF-8 bytes; other schemes such as
    /// <c>v0</c> are ignored; the timestamp must be within the tolerance. Stripe sends no message id header.
    /// </summary>
    Stripe = 2,

    /// <summary>
    /// Standard Webhooks (https://www.standardwebhooks.com): headers <c>webhook-id</c>, <c>webhook-timestamp</c> and
    /// <c>webhook-signature</c> (a space separated list of <c>v1,&lt;base64&gt;</c>; other versions are ignored),
    /// HMAC-SHA256 over <c>"{id}.{timestamp}.{body}"</c>; secrets are <c>whsec_&lt;base64&gt;</c> (the prefix is optional)
    /// and are base64-decoded; the timestamp must be within the tolerance; the message id is <c>webhook-id</c>.
    /// </summary>
    StandardWebhooks = 3,

    /// <summary>
    /// Shopify: <c>X-Shopify-Hmac-SHA256: &lt;base64 HMAC-SHA256 of the raw body&gt;</c>; the app's secret is used as
    /// UTF-8 bytes; the message id is read from <c>X-Shopify-Webhook-Id</c>.
    /// </summary>
    Shopify = 4,
}
