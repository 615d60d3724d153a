using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Credentials;

/// <summary>
/// Validates a webhook credential's <c>fields</c> object. Pure: no I/O, no clock.
/// </summary>
/// <remarks>
/// <para>The fields by <c>type</c>:</para>
/// <list type="bullet">
/// <item><c>none</c>: nothing else.</item>
/// <item><c>basic</c>: <c>username</c> (no <c>:</c>, no control characters), <c>password</c> (no control characters); both required.</item>
/// <item><c>apiKey</c>: <c>headerName</c> (letters, digits, <c>-</c>, <c>_</c>) and <c>headerValue</c> (letters, digits, <c>-_.~</c>); both required.</item>
/// <item>
/// <c>hmac</c>: exactly one of <c>secret</c> (one string, used whole: a comma in it is part of the secret) or <c>secrets</c>
/// (a JSON array of 1 to 16 strings; any one may match, for rotation); optional <c>preset</c>
/// (<c>github</c>, <c>stripe</c>, <c>standard-webhooks</c>, <c>shopify</c>); without a preset, optional <c>algorithm</c>
/// (<c>sha256</c> default, <c>sha512</c>, <c>sha1</c>), <c>encoding</c> (<c>hex</c> default, <c>base64</c>) and <c>prefix</c>;
/// optional <c>headerName</c>, <c>idHeader</c> (not with <c>standard-webhooks</c>) and <c>toleranceSeconds</c> (1 to 86400, default 300).
/// A preset fixes the algorithm, encoding and prefix, so setting them with a preset is refused rather than ignored.
/// </item>
/// </list>
/// <para>Fields not listed are ignored. Messages name the field and never repeat its value.</para>
/// </remarks>
internal static class WebhookCredentialValidator
{
    public const int MaxHeaderNameLength = 256;
    public const int MaxHeaderValueLength = 4096;
    public const int MaxSecretLength = 4096;
    public const int MaxPrefixLength = 64;
    public const int MaxToleranceSeconds = 86_400;

    /// <summary>Returns every problem found; an empty list means the fields are valid.</summary>
    public static IReadOnlyList<CredentialFieldError> Validate(JObject? fields)
    {
        var errors = new List<CredentialFieldError>();
        if (fields is null)
        {
            errors.Add(new("type", "type is required: one of none, basic, apiKey, hmac."));
            return errors;
        }

        switch (GetString(fields, "type", errors, required: true))
        {
            case null:
                break;
            case WebhookCredentialTypes.None:
                break;
            case WebhookCredentialTypes.Basic:
                ValidateBasic(fields, errors);
                break;
            case WebhookCredentialTypes.ApiKey:
                ValidateApiKey(fields, errors);
                break;
            case WebhookCredentialTypes.Hmac:
                ValidateHmac(fields, errors);
                break;
            default:
                errors.Add(new("type", "type must be one of none, basic, apiKey, hmac."));
                break;
        }

        return errors;
    }

    /// <summary>Letters, digits, <c>-</c> and <c>_</c>: the header names accepted for API keys and HMAC headers.</summary>
    public static bool IsValidHeaderName(ReadOnlySpan<char> name)
    {
        if (name.IsEmpty || name.Length > MaxHeaderNameLength)
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Letters, digits and <c>-_.~</c>: the API key values accepted.</summary>
    public static bool IsValidApiKeyValue(ReadOnlySpan<char> value)
    {
        if (value.IsEmpty || value.Length > MaxHeaderValueLength)
        {
            return false;
        }

        foreach (var c in value)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.' or '~'))
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Builds verifier options from valid <c>hmac</c> fields. Call <see cref="Validate"/> first.</summary>
    /// <exception cref="ArgumentException">The fields are not valid <c>hmac</c> fields.</exception>
    public static HmacSignatureOptions ToHmacOptions(JObject fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        var errors = new List<CredentialFieldError>();
        ValidateHmac(fields, errors);
        if (errors.Count > 0)
        {
            throw new ArgumentException(string.Join(" ", errors.Select(e => e.Message)), nameof(fields));
        }

        var options = new HmacSignatureOptions
        {
            Secrets = ReadSecrets(fields),
            HeaderName = fields.Value<string>("headerName"),
            IdHeader = fields.Value<string>("idHeader"),
            Prefix = fields.Value<string>("prefix"),
        };

        if (fields.TryGetValue("preset", out var preset) && preset.Type == JTokenType.String)
        {
            options.Preset = ParsePreset((string)preset!)!.Value;
        }

        if (fields.TryGetValue("algorithm", out var algorithm) && algorithm.Type == JTokenType.String)
        {
            options.Algorithm = ParseAlgorithm((string)algorithm!)!.Value;
        }

        if (fields.TryGetValue("encoding", out var encoding) && encoding.Type == JTokenType.String)
        {
            options.Encoding = ParseEncoding((string)encoding!)!.Value;
        }

        if (fields.TryGetValue("toleranceSeconds", out var tolerance) && tolerance.Type == JTokenType.Integer)
        {
            options.Tolerance = TimeSpan.FromSeconds((long)tolerance);
        }

        return options;
    }

    private static void ValidateBasic(JObject fields, List<CredentialFieldError> errors)
    {
        var username = GetString(fields, "username", errors, required: true);
        if (username is not null)
        {
            if (username.Contains(':', StringComparison.Ordinal))
            {
                errors.Add(new("username", "username must not contain ':'."));
            }

            if (username.Any(char.IsControl))
            {
                errors.Add(new("username", "username must not contain control characters."));
            }
        }

        var password = GetString(fields, "password", errors, required: true);
        if (password is not null && password.Any(char.IsControl))
        {
            errors.Add(new("password", "password must not contain control characters."));
        }
    }

    private static void ValidateApiKey(JObject fields, List<CredentialFieldError> errors)
    {
        var name = GetString(fields, "headerName", errors, required: true);
        if (name is not null && !IsValidHeaderName(name))
        {
            errors.Add(new("headerName", $"headerName may contain only letters, digits, '-' and '_' (at most {MaxHeaderNameLength} characters)."));
        }

        var value = GetString(fields, "headerValue", errors, required: true);
        if (value is not null && !IsValidApiKeyValue(value))
        {
            errors.Add(new("headerValue", $"headerValue may contain only letters, digits, '-', '_', '.' and '~' (at most {MaxHeaderValueLength} characters)."));
        }
    }

    private static void ValidateHmac(JObject fields, List<CredentialFieldError> errors)
    {
        HmacSignaturePreset? preset = null;
        var presetText = GetString(fields, "preset", errors, required: false);
        if (presetText is not null)
        {
            preset = ParsePreset(presetText);
            if (preset is null)
            {
                errors.Add(new("preset", "preset must be one of github, stripe, standard-webhooks, shopify."));
            }
        }

        var algorithm = GetString(fields, "algorithm", errors, required: false);
        if (algorithm is not null && ParseAlgorithm(algorithm) is null)
        {
            errors.Add(new("algorithm", "algorithm must be one of sha256, sha512, sha1."));
        }

        var encoding = GetString(fields, "encoding", errors, required: false);
        if (encoding is not null && ParseEncoding(encoding) is null)
        {
            errors.Add(new("encoding", "encoding must be one of hex, base64."));
        }

        var prefix = GetString(fields, "prefix", errors, required: false);
        if (prefix is not null && (prefix.Length > MaxPrefixLength || prefix.Any(c => c <= ' ' || c > '~')))
        {
            errors.Add(new("prefix", $"prefix may contain only visible ASCII characters (at most {MaxPrefixLength})."));
        }

        if (presetText is not null)
        {
            foreach (var (name, value) in new[] { ("algorithm", algorithm), ("encoding", encoding), ("prefix", prefix) })
            {
                if (value is not null)
                {
                    errors.Add(new(name, $"{name} is fixed by the preset and must not be set with it."));
                }
            }
        }

        foreach (var header in new[] { "headerName", "idHeader" })
        {
            var name = GetString(fields, header, errors, required: false);
            if (name is not null && !IsValidHeaderName(name))
            {
                errors.Add(new(header, $"{header} may contain only letters, digits, '-' and '_' (at most {MaxHeaderNameLength} characters)."));
            }
        }

        if (preset == HmacSignaturePreset.StandardWebhooks && fields.ContainsKey("idHeader"))
        {
            errors.Add(new("idHeader", "idHeader is fixed to webhook-id by the standard-webhooks preset and must not be set with it."));
        }

        if (fields.TryGetValue("toleranceSeconds", out var tolerance) && tolerance.Type != JTokenType.Null)
        {
            if (tolerance.Type != JTokenType.Integer || (long)tolerance < 1 || (long)tolerance > MaxToleranceSeconds)
            {
                errors.Add(new("toleranceSeconds", $"toleranceSeconds must be a whole number of seconds from 1 to {MaxToleranceSeconds}."));
            }
        }

        ValidateSecrets(fields, preset, errors);
    }

    private static void ValidateSecrets(JObject fields, HmacSignaturePreset? preset, List<CredentialFieldError> errors)
    {
        var hasSecret = fields.TryGetValue("secret", out var secret) && secret.Type != JTokenType.Null;
        var hasSecrets = fields.TryGetValue("secrets", out var secrets) && secrets.Type != JTokenType.Null;
        if (hasSecret == hasSecrets)
        {
            errors.Add(new(hasSecret ? "secrets" : "secret", "Exactly one of secret (a string) or secrets (an array of strings) is required."));
            return;
        }

        if (hasSecret)
        {
            if (secret!.Type != JTokenType.String)
            {
                errors.Add(new("secret", "secret must be a string."));
                return;
            }

            ValidateSecret("secret", (string)secret!, preset, errors);
            return;
        }

        if (secrets is not JArray array)
        {
            errors.Add(new("secrets", "secrets must be an array of strings."));
            return;
        }

        if (array.Count is 0 or > HmacSignatureOptions.MaxSecrets)
        {
            errors.Add(new("secrets", $"secrets must hold from 1 to {HmacSignatureOptions.MaxSecrets} secrets."));
            return;
        }

        for (var i = 0; i < array.Count; i++)
        {
            var field = $"secrets[{i}]";
            if (array[i].Type != JTokenType.String)
            {
                errors.Add(new(field, $"{field} must be a string."));
                continue;
            }

            ValidateSecret(field, (string)array[i]!, preset, errors);
        }
    }

    private static void ValidateSecret(string field, string secret, HmacSignaturePreset? preset, List<CredentialFieldError> errors)
    {
        if (string.IsNullOrWhiteSpace(secret) || secret.Length > MaxSecretLength)
        {
            errors.Add(new(field, $"{field} must not be empty (at most {MaxSecretLength} characters)."));
            return;
        }

        if (preset == HmacSignaturePreset.StandardWebhooks)
        {
            var base64 = secret.StartsWith("whsec_", StringComparison.Ordinal) ? secret.AsSpan(6) : secret.AsSpan();
            var buffer = new byte[base64.Length];
            if (base64.IsEmpty || !Convert.TryFromBase64Chars(base64, buffer, out var written) || written == 0)
            {
                errors.Add(new(field, $"{field} must be a Standard Webhooks secret: 'whsec_' followed by base64."));
            }
        }
    }

    private static List<string> ReadSecrets(JObject fields) =>
        fields.TryGetValue("secret", out var secret) && secret.Type == JTokenType.String
            ? [(string)secret!]
            : [.. ((JArray)fields["secrets"]!).Select(s => (string)s!)];

    private static string? GetString(JObject fields, string name, List<CredentialFieldError> errors, bool required)
    {
        if (!fields.TryGetValue(name, out var token) || token.Type == JTokenType.Null)
        {
            if (required)
            {
                errors.Add(new(name, $"{name} is required."));
            }

            return null;
        }

        if (token.Type != JTokenType.String)
        {
            errors.Add(new(name, $"{name} must be a string."));
            return null;
        }

        var value = (string)token!;
        if (required && value.Length == 0)
        {
            errors.Add(new(name, $"{name} must not be empty."));
            return null;
        }

        return value;
    }

    private static HmacSignaturePreset? ParsePreset(string text) => text switch
    {
        "github" => HmacSignaturePreset.GitHub,
        "stripe" => HmacSignaturePreset.Stripe,
        "standard-webhooks" => HmacSignaturePreset.StandardWebhooks,
        "shopify" => HmacSignaturePreset.Shopify,
        _ => null,
    };

    private static HmacSignatureAlgorithm? ParseAlgorithm(string text) => text switch
    {
        "sha256" => HmacSignatureAlgorithm.Sha256,
        "sha512" => HmacSignatureAlgorithm.Sha512,
        "sha1" => HmacSignatureAlgorithm.Sha1,
        _ => null,
    };

    private static SignatureEncoding? ParseEncoding(string text) => text switch
    {
        "hex" => SignatureEncoding.Hex,
        "base64" => SignatureEncoding.Base64,
        _ => null,
    };
}
