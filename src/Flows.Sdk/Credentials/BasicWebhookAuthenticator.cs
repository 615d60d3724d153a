using System.Buffers;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Credentials;

/// <summary>
/// HTTP Basic authentication (RFC 7617): <c>Authorization: Basic base64(username:password)</c>. The username and the
/// password are compared as SHA-256 digests with <see cref="CryptographicOperations.FixedTimeEquals"/>, so neither their
/// content nor their length shows in the timing. Every failure is a 401 with a <c>WWW-Authenticate: Basic</c> challenge.
/// </summary>
internal sealed class BasicWebhookAuthenticator : IWebhookAuthenticator
{
    private const int MaxHeaderLength = 8192;
    private const string MissingMessage = "The request is expected to carry credentials. Please send them using the Authorization HTTP header with the Basic scheme";
    private const string InvalidMessage = "The credentials in the Authorization HTTP header are not valid.";

    private readonly byte[] _usernameDigest;
    private readonly byte[] _passwordDigest;

    public BasicWebhookAuthenticator(string username, string password, string realm)
    {
        ArgumentException.ThrowIfNullOrEmpty(username);
        ArgumentException.ThrowIfNullOrEmpty(password);
        ArgumentNullException.ThrowIfNull(realm);
        _usernameDigest = SHA256.HashData(Encoding.UTF8.GetBytes(username));
        _passwordDigest = SHA256.HashData(Encoding.UTF8.GetBytes(password));
        Challenge = $"Basic realm=\"{realm.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal)}\", charset=\"UTF-8\"";
    }

    public string Type => WebhookCredentialTypes.Basic;

    public TimeSpan ReplayWindow { get; } = IWebhookAuthenticator.ReplayWindowFor(HmacSignatureOptions.DefaultTolerance);

    public IReadOnlyList<string> SecretHeaders => [];

    /// <summary>The <c>WWW-Authenticate</c> value sent with every 401.</summary>
    public string Challenge { get; }

    public WebhookAuthenticationSession Begin(IReadOnlyDictionary<string, StringValues> headers, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(headers);
        if (!WebhookAuthenticatorExtensions.TryGetSingleHeader(headers, "Authorization", out var authorization))
        {
            return new(WebhookAuthenticationResult.Unauthorized(MissingMessage, Challenge));
        }

        return new(Check(authorization)
            ? WebhookAuthenticationResult.Authenticated()
            : WebhookAuthenticationResult.Unauthorized(InvalidMessage, Challenge));
    }

    private bool Check(string authorization)
    {
        var value = authorization.AsSpan().Trim();
        if (value.Length > MaxHeaderLength || value.Length < 6 || !value.StartsWith("Basic", StringComparison.OrdinalIgnoreCase) || value[5] != ' ')
        {
            return false;
        }

        var encoded = value[6..].TrimStart();
        byte[]? rented = null;
        Span<byte> decoded = encoded.Length <= 512 ? stackalloc byte[384] : (rented = ArrayPool<byte>.Shared.Rent(encoded.Length));
        try
        {
            if (!Convert.TryFromBase64Chars(encoded, decoded, out var written))
            {
                return false;
            }

            var pair = decoded[..written];
            var colon = pair.IndexOf((byte)':');
            if (colon < 0)
            {
                return false;
            }

            Span<byte> digest = stackalloc byte[32];
            SHA256.HashData(pair[..colon], digest);
            var usernameMatches = CryptographicOperations.FixedTimeEquals(digest, _usernameDigest);
            SHA256.HashData(pair[(colon + 1)..], digest);
            var passwordMatches = CryptographicOperations.FixedTimeEquals(digest, _passwordDigest);
            return usernameMatches & passwordMatches;
        }
        finally
        {
            // The buffer held a password.
            CryptographicOperations.ZeroMemory(decoded);
            if (rented is not null)
            {
                ArrayPool<byte>.Shared.Return(rented);
            }
        }
    }
}
