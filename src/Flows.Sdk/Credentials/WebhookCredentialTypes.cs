namespace Flows.Sdk.Credentials;

/// <summary>The values of a webhook credential's <c>type</c> field.</summary>
internal static class WebhookCredentialTypes
{
    public const string None = "none";
    public const string Basic = "basic";
    public const string ApiKey = "apiKey";
    public const string Hmac = "hmac";
}
