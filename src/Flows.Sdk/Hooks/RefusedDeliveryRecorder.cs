using Flows.Sdk.Credentials;
using Flows.Sdk.Diagnostics;
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
    TimeProvider time,
    ILogger<RefusedDeliveryRecorder> logger)
{
    private const string Masked = "***";
    private static readonly string[] SecretHeaders = ["authorization", "proxy-authorization", "cookie", "set-cookie"];
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

            // The flow's API-key header may have any name: mask it by name too.
            string? apiKeyHeader = null;
            if (flow.Draft.Steps.Count > 0 && flow.Draft.Steps[0].CredentialId is { } credentialId
                && await credentials.GetAsync(credentialId, CancellationToken.None).ConfigureAwait(false) is { } credential
                && (string?)credential.Fields["type"] == WebhookCredentialTypes.ApiKey)
            {
                apiKeyHeader = (string?)credential.Fields["headerName"];
            }

            var headers = new SortedDictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, values) in request.Headers)
            {
                var lower = name.ToLowerInvariant();
                headers[lower] = IsSecret(lower, apiKeyHeader) ? Masked : string.Join(", ", values.ToArray());
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

    private static bool IsSecret(string name, string? apiKeyHeader) =>
        SecretHeaders.Contains(name)
        || (apiKeyHeader is not null && string.Equals(name, apiKeyHeader, StringComparison.OrdinalIgnoreCase))
        || SecretWords.Any(w => name.Contains(w, StringComparison.Ordinal));
}
