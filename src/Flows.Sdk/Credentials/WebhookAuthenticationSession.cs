using System.Buffers;

namespace Flows.Sdk.Credentials;

/// <summary>
/// One request's authentication. Header-only credentials (none, Basic, API key) are decided when it starts; HMAC
/// credentials need the body: feed every body segment, in order, to <see cref="Append(ReadOnlySpan{byte})"/> (the same
/// segments the body parser reads), then call <see cref="Complete"/>. A copyable handle; dispose it once.
/// </summary>
internal readonly struct WebhookAuthenticationSession : IDisposable
{
    private readonly WebhookAuthenticationResult _decided;
    private readonly HmacSignatureVerification? _verification;

    public WebhookAuthenticationSession(WebhookAuthenticationResult decided)
    {
        _decided = decided;
        _verification = null;
    }

    public WebhookAuthenticationSession(HmacSignatureVerification verification)
    {
        _decided = default;
        _verification = verification;
    }

    /// <summary>
    /// <see langword="true"/> when the outcome is known without the body: header-only credentials, or an HMAC request already
    /// refused from its headers. When it is a failure, answer with <see cref="Complete"/>'s result without reading the body.
    /// </summary>
    public bool IsDecided => _verification is null || _verification.IsRejected;

    /// <summary><see langword="true"/> when the body must be passed to <see cref="Append(ReadOnlySpan{byte})"/> before <see cref="Complete"/>.</summary>
    public bool NeedsBody => !IsDecided;

    /// <summary>Feeds the next body segment (ignored when <see cref="NeedsBody"/> is <see langword="false"/>).</summary>
    public void Append(ReadOnlySpan<byte> segment) => _verification?.Append(segment);

    /// <summary>Feeds the next body segments.</summary>
    public void Append(in ReadOnlySequence<byte> segments) => _verification?.Append(segments);

    /// <summary>The outcome, after the last body segment when <see cref="NeedsBody"/> is <see langword="true"/>.</summary>
    public WebhookAuthenticationResult Complete() =>
        _verification is null ? _decided : WebhookAuthenticationResult.FromSignature(_verification.Complete());

    public void Dispose() => _verification?.Dispose();
}
