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

    /// <summary>Starts authenticating a request from its headers (case-insensitive dictionary expected).</summary>
    /// <param name="headers">The request headers.</param>
    /// <param name="now">The current time (from the host's <see cref="TimeProvider"/>), for signed timestamps.</param>
    WebhookAuthenticationSession Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now);
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
        if (!headers.TryGetValue(name, out var values))
        {
            var found = false;
            foreach (var pair in headers)
            {
                if (string.Equals(pair.Key, name, StringComparison.OrdinalIgnoreCase))
                {
                    values = pair.Value;
                    found = true;
                    break;
                }
            }

            if (!found)
            {
                return false;
            }
        }

        if (values.Count != 1 || string.IsNullOrEmpty(values[0]))
        {
            return false;
        }

        value = values[0]!;
        return true;
    }
}
