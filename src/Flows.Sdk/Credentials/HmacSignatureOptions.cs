namespace Flows.Sdk.Credentials;

/// <summary>
/// How a sender signs its webhook requests with HMAC. Build one <see cref="HmacSignatureVerifier"/> from it per credential
/// and keep it: the verifier decodes the secrets once.
/// </summary>
/// <remarks>
/// When <see cref="Preset"/> is not <see cref="HmacSignaturePreset.None"/>, the preset fixes the algorithm, the encoding,
/// the prefix and the signed content; <see cref="Algorithm"/>, <see cref="Encoding"/> and <see cref="Prefix"/> are then ignored.
/// </remarks>
public sealed class HmacSignatureOptions
{
    /// <summary>The signature header when neither a preset nor <see cref="HeaderName"/> says otherwise: <c>x-eio-signature</c>.</summary>
    public const string DefaultHeaderName = "x-eio-signature";

    /// <summary>The default timestamp tolerance: 300 seconds.</summary>
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    /// <summary>The largest number of secrets one credential may hold at once.</summary>
    public const int MaxSecrets = 16;

    /// <summary>The publisher's scheme, or <see cref="HmacSignaturePreset.None"/> for the plain scheme. Default <see cref="HmacSignaturePreset.None"/>.</summary>
    public HmacSignaturePreset Preset { get; set; } = HmacSignaturePreset.None;

    /// <summary>The hash function of the plain scheme. Default <see cref="HmacSignatureAlgorithm.Sha256"/>. Ignored by presets.</summary>
    public HmacSignatureAlgorithm Algorithm { get; set; } = HmacSignatureAlgorithm.Sha256;

    /// <summary>
    /// The header carrying the signature, or <see langword="null"/> for the scheme's default
    /// (<c>x-eio-signature</c>, <c>X-Hub-Signature-256</c>, <c>Stripe-Signature</c>, <c>webhook-signature</c>, <c>X-Shopify-Hmac-SHA256</c>).
    /// Header names are matched case-insensitively.
    /// </summary>
    public string? HeaderName { get; set; }

    /// <summary>
    /// The secrets. A request is valid when its signature matches any one of them, so a secret can be rotated by adding
    /// the new one, moving senders over, then removing the old one. At least one and at most <see cref="MaxSecrets"/>.
    /// </summary>
    public IList<string> Secrets { get; set; } = new List<string>();

    /// <summary>How the plain scheme writes signatures. Default <see cref="SignatureEncoding.Hex"/>. Ignored by presets.</summary>
    public SignatureEncoding Encoding { get; set; } = SignatureEncoding.Hex;

    /// <summary>
    /// Text the plain scheme's header value starts with before the signature (for example <c>sha256=</c>), matched
    /// case-insensitively; <see langword="null"/> for none. Ignored by presets.
    /// </summary>
    public string? Prefix { get; set; }

    /// <summary>
    /// How far a signed timestamp may be from the current time, in either direction, for schemes that sign one
    /// (Stripe, Standard Webhooks). Default 300 seconds. Must be positive.
    /// </summary>
    public TimeSpan Tolerance { get; set; } = DefaultTolerance;

    /// <summary>
    /// The header carrying the sender's message id (reported in <see cref="SignatureVerificationResult.MessageId"/> for
    /// replay protection), or <see langword="null"/> for the scheme's default (<c>X-GitHub-Delivery</c> for GitHub,
    /// <c>X-Shopify-Webhook-Id</c> for Shopify, none otherwise). The Standard Webhooks preset always uses <c>webhook-id</c>.
    /// </summary>
    public string? IdHeader { get; set; }
}
