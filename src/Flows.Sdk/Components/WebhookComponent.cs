using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>
/// The built-in webhook component: its trigger <c>receive</c> starts a flow from a request to <c>/hook/{flowId}</c>.
/// Its credentials say how callers authenticate (<c>type</c>: <c>none</c>, <c>basic</c>, ...).
/// </summary>
internal sealed class WebhookComponent : IComponent
{
    public const string ComponentId = "webhook";
    public const string ReceiveFunction = "receive";

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = ComponentId,
        Title = "Webhook",
        Description = "Starts a flow when a request arrives at /hook/{flowId}.",
        CredentialFields =
        [
            new("type", "Authentication type: none, basic, apiKey or hmac") { Required = true },
            new("username", "Username (basic)"),
            new("password", "Password (basic)") { Secret = true },
            new("headerName", "Header name (apiKey, hmac)"),
            new("headerValue", "Header value (apiKey)") { Secret = true },
            new("preset", "Signature preset (hmac): github, stripe, standard-webhooks, shopify"),
            new("algorithm", "HMAC algorithm: sha256, sha512, sha1"),
            new("secret", "Signing secret (hmac)") { Secret = true },
            new("secrets", "Signing secrets, any of which may match (hmac)") { Secret = true },
            new("encoding", "Signature encoding (hmac): hex or base64"),
            new("prefix", "Signature prefix (hmac), such as sha256="),
            new("toleranceSeconds", "Timestamp tolerance in seconds (hmac)"),
            new("idHeader", "Message id header for replay protection (hmac)"),
        ],
        Triggers = [new TriggerDescriptor(ReceiveFunction, "Receive a webhook")],
    };

    public ValueTask<CredentialVerificationResult> VerifyCredentialAsync(JObject fields, CancellationToken cancellationToken)
    {
        var errors = Credentials.WebhookCredentialValidator.Validate(fields);
        return new(errors.Count == 0
            ? CredentialVerificationResult.Success
            : CredentialVerificationResult.Failed(string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))));
    }
}
