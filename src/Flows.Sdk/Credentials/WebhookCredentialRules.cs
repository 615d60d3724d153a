using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Credentials;

/// <summary>The rules a webhook credential's fields must follow, checked when the credential is saved.</summary>
internal static class WebhookCredentialRules
{
    public static IReadOnlyList<CredentialFieldError> Validate(JObject fields)
    {
        var errors = new List<CredentialFieldError>();
        var type = fields["type"] is JValue { Type: JTokenType.String } t ? (string)t! : null;
        switch (type)
        {
            case null:
                errors.Add(new("fields.type", "The webhook credential type is required: one of 'none', 'basic'."));
                break;
            case "none":
                break;
            case "basic":
                RequireString(fields, "username", errors);
                RequireString(fields, "password", errors);
                if (fields["username"] is JValue { Type: JTokenType.String } u && ((string)u!).Contains(':', StringComparison.Ordinal))
                {
                    errors.Add(new("fields.username", "A Basic Auth username cannot contain ':'."));
                }

                break;
            default:
                errors.Add(new("fields.type", $"Unknown webhook credential type '{type}': expected one of 'none', 'basic'."));
                break;
        }

        return errors;
    }

    private static void RequireString(JObject fields, string name, List<CredentialFieldError> errors)
    {
        if (fields[name] is not JValue { Type: JTokenType.String } value || string.IsNullOrEmpty((string?)value))
        {
            errors.Add(new($"fields.{name}", $"'{name}' is required and must be a non-empty string."));
        }
    }
}
