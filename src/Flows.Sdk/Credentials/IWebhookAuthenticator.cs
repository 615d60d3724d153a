using System.Buffers;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Credentials;

/// <summary>
/// Authenticates hook requests for one webhook credential. Built once per credential by
/// <see cref="WebhookAuthenticatorFactory"/> and kept; safe to use from many threads.
/// </summary>
internal interface IWebhookAuthenticator
{
    /// <summary>The credential type: <c>none</c>, <c>basic</c>, <c>apiKey</c> or <c>hmac</c>.</summary>
    string Type { get; }

    /// <summary>
    /// How long the message ids this authenticator accepts are remembered by the replay store: long enough to cover every
    /// replay the scheme accepts (for a signed timestamp with tolerance <c>t</c>, <c>2t</c>: see <see cref="ReplayWindowFor"/>).
    /// Irrelevant for schemes without message ids.
    /// </summary>
    TimeSpan ReplayWindow { get; }

    /// <summary>
    /// The request headers that carry this credential's secret, beyond the ones always redacted (<c>Authorization</c>,
    /// <c>Proxy-Authorization</c>, <c>Cookie</c>): redacted in the message the flow gets (lower-case names).
    /// </summary>
    IReadOnlyList<string> SecretHeaders { get; }

    /// <summary>Starts authenticating a request from its headers (case-insensitive dictionary expected).</summary>
    /// <param name="headers">The request headers.</param>
    /// <param name="now">The current time (from the host's <see cref="TimeProvider"/>), for signed timestamps.</param>
    WebhookAuthenticationSession Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now);

    /// <summary>
    /// The window that covers every replay a signature with <paramref name="tolerance"/> accepts: a timestamp is accepted
    /// from <c>t - tolerance</c> to <c>t + tolerance</c>, so a message first seen at the earliest moment can be replayed
    /// for twice the tolerance.
    /// </summary>
    static TimeSpan ReplayWindowFor(TimeSpan tolerance) => tolerance + tolerance;
}

/// <summary>Conveniences over <see cref="IWebhookAuthenticator"/>.</summary>
internal static class WebhookAuthenticatorExtensions
{
    /// <summary>Authenticates a request whose whole body is already buffered.</summary>
    public static WebhookAuthenticationResult Authenticate(
        this IWebhookAuthenticator authenticator, IReadOnlyDictionary<string, StringValues> headers, in ReadOnlySequence<byte> body, DateTimeOffset now)
    {
        using var session = authenticator.Begin(headers, now);
        if (session.NeedsBody)
        {
            session.Append(body);
        }

        return session.Complete();
    }

    /// <summary>Finds a header's single value (case-insensitively even in a case-sensitive dictionary).</summary>
    internal static bool TryGetSingleHeader(IReadOnlyDictionary<string, StringValues> headers, string name, out string value)
    {
        value = "";
        if (!HmacSignatureVerifier.TryGetHeader(headers, name, out var values))
        {
            return false;
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return false;
        }

        value = values[0]!;
        return true;
    }
}
