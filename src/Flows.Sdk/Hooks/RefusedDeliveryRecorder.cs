using Flows.Sdk.Credentials;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Hooks;

/// <summary>
/// Records a refused hook request in the <see cref="IRefusedDeliveryStore"/>: only for flows that exist (a request for an
/// unknown id is not kept, so random addresses cannot fill the store), headers with their secrets masked, never the body.
/// It never throws: a failing store costs the record, not the answer.
/// </summary>
internal sealed class RefusedDeliveryRecorder(
    IRefusedDeliveryStore store,
    IFlowStore flows,
    ICredentialStore credentials,
    CompiledFlowCache compiledFlows,
    HookGuards guards,
    TimeProvider time,
    ILogger<RefusedDeliveryRecorder> logger)
{
    private const string Masked = "***";
    private static readonly string[] SecretWords = ["signature", "secret", "token", "key", "password", "hmac", "auth"];

    public async ValueTask RecordAsync(WebhookRequest request, WebhookResponse response)
    {
        try
        {
            var flow = await flows.GetAsync(request.FlowId, CancellationToken.None).ConfigureAwait(false);
            if (flow is null)
            {
                return;
            }

            // The headers the flow's webhook credential names as secret (an API key's header may have any name), from the same
            // authenticator the hook used: the live version's trigger credential, else the draft's.
            var credentialId = flow.LiveVersion is { } live
                && await compiledFlows.GetAsync(flow.Id, live, CancellationToken.None).ConfigureAwait(false) is { } compiled
                ? compiled.Steps[0].Definition.CredentialId
                : flow.Draft.Steps.Count > 0 ? flow.Draft.Steps[0].CredentialId : null;
            var authenticator = await guards.AuthenticatorAsync(credentialId, credentials, CancellationToken.None).ConfigureAwait(false);
            var secretHeaders = authenticator?.SecretHeaders ?? [];

            var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, values) in request.Headers)
            {
                var lower = name.ToLowerInvariant();
                headers[lower] = IsSecret(lower, secretHeaders) ? Masked : string.Join(", ", values.ToArray());
            }

            await store.AddAsync(new RefusedDelivery
            {
                FlowId = flow.Id,
                ReceivedAt = time.GetUtcNow(),
                StatusCode = response.StatusCode,
                Reason = (string?)response.Body?["title"] ?? "Refused",
                Detail = (string?)response.Body?["detail"],
                Method = request.Method,
                ContentType = request.ContentType,
                BodySize = request.ContentLength,
                Headers = headers,
            }, CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception e)
        {
            Log.RefusalNotRecorded(logger, e, request.FlowId);
        }
    }

    /// <summary>
    /// The hook's own rule (<see cref="WebhookReceiver.IsSecretHeader"/>) and, since a refused request may carry a secret in a
    /// header no credential names (a wrong scheme, a signature of another provider), any header whose name suggests one.
    /// </summary>
    private static bool IsSecret(string name, IReadOnlyCollection<string> secretHeaders) =>
        WebhookReceiver.IsSecretHeader(name, secretHeaders)
        || SecretWords.Any(w => name.Contains(w, StringComparison.Ordinal));
}
