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
            new("type", "Authentication type") { Required = true },
            new("username", "Username"),
            new("password", "Password") { Secret = true },
            new("headerName", "Header name"),
            new("headerValue", "Header value") { Secret = true },
            new("secret", "Secret") { Secret = true },
            new("secrets", "Secrets") { Secret = true },
        ],
        Triggers = [new TriggerDescriptor(ReceiveFunction, "Receive a webhook")],
    };

    public ValueTask<CredentialVerificationResult> VerifyCredentialAsync(JObject fields, CancellationToken cancellationToken)
    {
        var errors = Credentials.WebhookCredentialRules.Validate(fields);
        return new(errors.Count == 0
            ? CredentialVerificationResult.Success
            : CredentialVerificationResult.Failed(string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))));
    }
}
