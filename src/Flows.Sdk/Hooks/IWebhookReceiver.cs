namespace Flows.Sdk.Hooks;

/// <summary>
/// Handles a request to a flow's hook: finds the live flow, authenticates the caller, reads and parses the body once,
/// and queues the message. Transport adapters call it and write back the <see cref="WebhookResponse"/>.
/// </summary>
public interface IWebhookReceiver
{
    /// <summary>Handles <paramref name="request"/>. Never throws for bad input: every refusal is a problem details response.</summary>
    ValueTask<WebhookResponse> ReceiveAsync(WebhookRequest request, CancellationToken cancellationToken = default);
}
