using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Credentials;

/// <summary>
/// API key authentication: the request carries the key in a configured header. The key is compared as a SHA-256 digest
/// with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither its content nor its length shows in the timing.
/// </summary>
internal sealed class ApiKeyWebhookAuthenticator : IWebhookAuthenticator
{
    private const int MaxValueLength = 8192;

    private readonly byte[] _valueDigest;
    private readonly string _missingMessage;
    private readonly string _invalidMessage;

    public ApiKeyWebhookAuthenticator(string headerName, string headerValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(headerName);
        ArgumentException.ThrowIfNullOrEmpty(headerValue);
        HeaderName = headerName;
        SecretHeaders = [headerName.ToLowerInvariant()];
        _valueDigest = SHA256.HashData(Encoding.UTF8.GetBytes(headerValue));
        _missingMessage = $"The request is expected to carry an API key. Please send it using the {headerName} HTTP header";
        _invalidMessage = $"The API key in the {headerName} HTTP header is not valid.";
    }

    public string Type => WebhookCredentialTypes.ApiKey;

    public TimeSpan ReplayWindow { get; } = IWebhookAuthenticator.ReplayWindowFor(HmacSignatureOptions.DefaultTolerance);

    /// <summary>The API key's header, lower-case: redacted in messages.</summary>
    public IReadOnlyList<string> SecretHeaders { get; }

    public string HeaderName { get; }

    public WebhookAuthenticationSession Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!WebhookAuthenticatorExtensions.TryGetSingleHeader(headers, HeaderName, out var value))
        {
            return new(WebhookAuthenticationResult.Unauthorized(_missingMessage));
        }

        return new(Check(value) ? WebhookAuthenticationResult.Authenticated() : WebhookAuthenticationResult.Unauthorized(_invalidMessage));
    }

    private bool Check(string value)
    {
        if (value.Length > MaxValueLength)
        {
            return false;
        }

        var max = Encoding.UTF8.GetMaxByteCount(value.Length);
        byte[]? rented = null;
        Span<byte> bytes = max <= 512 ? stackalloc byte[512] : (rented = ArrayPool<byte>.Shared.Rent(max));
        try
        {
            var written = Encoding.UTF8.GetBytes(value, bytes);
            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(bytes[..written], digest);
            return CryptographicOperations.FixedTimeEquals(digest, _valueDigest);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(bytes);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
