using System.Buffers;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Threading.RateLimiting;
using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Samples;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Hooks;

/// <summary>The transport-neutral hook: find the live flow, authenticate, read the body once, parse, queue.</summary>
internal sealed class WebhookReceiver(
    IFlowStore flows,
    ICredentialStore credentials,
    CompiledFlowCache compiledFlows,
    IFlowQueue queue,
    IOptions<WebhookFlowsOptions> options,
    TimeProvider time,
    IReplyChannel replies,
    IReplayStore replays,
    HookGuards guards,
    ILogger<WebhookReceiver> logger,
    RefusedDeliveryRecorder refusals) : IWebhookReceiver
{
    private static readonly string[] RedactedHeaders = ["authorization", "proxy-authorization", "cookie", "set-cookie"];
    private const int MaxLowerCaseNames = 512;
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, string> LowerCaseNames = new(StringComparer.Ordinal);

    public async ValueTask<WebhookResponse> ReceiveAsync(WebhookRequest request, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        try
        {
            var response = await ReceiveCoreAsync(request, cancellationToken).ConfigureAwait(false);
            if (response.StatusCode != 200)
            {
                FlowsTelemetry.HooksRefused.Add(1, new KeyValuePair<string, object?>("http.response.status_code", response.StatusCode));
                Log.HookRefused(logger, request.FlowId, response.StatusCode, (string?)response.Body?["title"] ?? "reply");
                if (response.IsProblem) { await refusals.RecordAsync(request, response).ConfigureAwait(false); }
            }
            else
            {
                FlowsTelemetry.HooksAccepted.Add(1);
            }

            return response;
        }
        catch (StorageUnavailableException e)
        {
            // Not committed, so not accepted. The store logs its outage once per burst, not once per request.
            FlowsTelemetry.HooksRefused.Add(1, new KeyValuePair<string, object?>("http.response.status_code", 503));
            return StorageUnavailable(e);
        }
        finally
        {
            await request.Body.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The <c>503</c> for a store that cannot work for now: nothing was accepted; the sender tries again after <c>Retry-After</c>.</summary>
    internal static WebhookResponse StorageUnavailable(StorageUnavailableException e) =>
        WebhookResponse.Problem(503, "Service Unavailable", $"The storage is unavailable, so nothing was accepted; try again later. {e.Message}",
            new Dictionary<string, string> { ["Retry-After"] = RetryAfterSeconds(e) });

    /// <summary>The exception's suggested delay in whole seconds (at least 1), for <c>Retry-After</c>.</summary>
    internal static string RetryAfterSeconds(StorageUnavailableException e) =>
        e.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);

    private async ValueTask<WebhookResponse> ReceiveCoreAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var isGet = string.Equals(request.Method, "GET", StringComparison.OrdinalIgnoreCase);
        if (!isGet && !string.Equals(request.Method, "POST", StringComparison.OrdinalIgnoreCase))
        {
            return WebhookResponse.Problem(405, "Method Not Allowed", $"A hook accepts POST and GET requests, not {request.Method}.",
                new Dictionary<string, string> { ["Allow"] = "GET, POST" });
        }

        // Unknown and stopped flows get the same answer, so the hook tells nothing about which flows exist.
        var flow = await flows.GetAsync(request.FlowId, cancellationToken).ConfigureAwait(false);
        if (flow is not { State: FlowState.Running, LiveVersion: { } liveVersion })
        {
            return WebhookResponse.Problem(404, "Not Found", "There is no running flow at this address.");
        }

        var compiled = await compiledFlows.GetAsync(flow.Id, liveVersion, cancellationToken).ConfigureAwait(false);
        if (compiled is null)
        {
            return WebhookResponse.Problem(404, "Not Found", "There is no running flow at this address.");
        }

        var settings = compiled.Hook;
        if (!guards.TryAcquire(compiled, out var wait))
        {
            var retryAfter = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds));
            return WebhookResponse.Problem(429, "Too Many Requests", "The flow's rate limit is reached; try again later.",
                new Dictionary<string, string> { ["Retry-After"] = retryAfter.ToString(CultureInfo.InvariantCulture) });
        }

        var trigger = compiled.Steps[0].Definition;
        var authenticator = await guards.AuthenticatorAsync(trigger.CredentialId, credentials, cancellationToken).ConfigureAwait(false);
        if (authenticator is null)
        {
            // The credential was removed from the store after publish: refuse rather than fall back to no authentication.
            return WebhookResponse.Problem(401, "Unauthorized", "The flow's webhook credential does not exist any more; no request is accepted.");
        }

        using var session = authenticator.Begin(request.Headers, time.GetUtcNow());
        if (session.IsDecided && session.Complete() is { Succeeded: false } refused)
        {
            // Refused from the headers alone: the body is not read.
            return AuthenticationProblem(refused);
        }

        MessageBody payload;
        if (isGet)
        {
            session.Append(ReadOnlySpan<byte>.Empty);
            if (session.Complete() is { Succeeded: false } unsigned)
            {
                return AuthenticationProblem(unsigned);
            }

            payload = QueryBody(request.Query);
        }
        else
        {
            var (body, problem) = await ReadBodyAsync(request, settings.MaxBodySize ?? options.Value.MaxBodySize, session, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            payload = body!;
        }

        var requestId = Ids.New();
        var accepted = session.Complete();
        if (accepted.MessageId is { } senderMessageId)
        {
            var registration = await replays.TryRegisterAsync(flow.Id, senderMessageId, requestId, authenticator.ReplayWindow, cancellationToken).ConfigureAwait(false);
            if (!registration.IsFirst)
            {
                // A redelivery of a message already accepted: acknowledged again, not run again.
                Log.HookReplay(logger, flow.Id, registration.FirstRequestId);
                return WebhookResponse.Accepted(registration.FirstRequestId);
            }
        }

        // The request's part of the trigger's output travels as data; the worker writes the output when it needs it.
        var message = new QueuedMessage(Ids.New(), requestId, Ids.New(), flow.Id, liveVersion, payload, time.GetUtcNow())
        {
            Request = new TriggerRequest(request.Method.ToUpperInvariant(), request.Url, request.AdditionalPath, request.Query.Count == 0 ? [] : [.. request.Query],
                RedactHeaders(request.Headers, authenticator)),
        };
        var executionHeader = new OneHeader(WebhookResponse.ExecutionIdHeader, message.ExecutionId);
        // Registered before the message is queued, so the reply step cannot reply before the hook waits.
        var reply = compiled.ExpectsReply ? await replies.RegisterAsync(message.ExecutionId, cancellationToken).ConfigureAwait(false) : null;
        try
        {
            bool queued;
            try
            {
                queued = await queue.TryEnqueueAsync(message, cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is StorageUnavailableException or OperationCanceledException)
            {
                // Not committed (or given up before it was): the sender's retry must be accepted as new, not acknowledged as
                // a replay; a store that holds the registration for the message's transaction lets go of it.
                await ForgetAsync(flow.Id, accepted.MessageId, requestId).ConfigureAwait(false);
                throw;
            }

            if (!queued)
            {
                await ForgetAsync(flow.Id, accepted.MessageId, requestId).ConfigureAwait(false);
                Log.HookQueueFull(logger, flow.Id);
                return WebhookResponse.Problem(503, "Service Unavailable", "The flow's queue is full; try again later.",
                    new Dictionary<string, string> { ["Retry-After"] = "5" });
            }

            Log.HookAccepted(logger, requestId, flow.Id, liveVersion);
            if (reply is null)
            {
                return WebhookResponse.Accepted(requestId, executionHeader);
            }

            return await WaitForReplyAsync(reply, executionHeader, settings.ReplyTimeout ?? options.Value.ReplyTimeout, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            if (reply is not null)
            {
                await reply.DisposeAsync().ConfigureAwait(false);
            }
        }
    }

    /// <summary>Forgets the replay registration of a message that was not queued, so the sender's retry is taken as new.</summary>
    private ValueTask ForgetAsync(string flowId, string? messageId, string requestId) =>
        messageId is null ? default : replays.ForgetAsync(flowId, messageId, requestId, CancellationToken.None);

    private static WebhookResponse AuthenticationProblem(WebhookAuthenticationResult result) =>
        WebhookResponse.Problem(
            result.StatusCode,
            result.StatusCode == 400 ? "Bad Request" : "Unauthorized",
            result.Message ?? "The request is not authenticated.",
            result.WwwAuthenticate is { } challenge ? new Dictionary<string, string> { ["WWW-Authenticate"] = challenge } : null);

    private static async Task<WebhookResponse> WaitForReplyAsync(
        IReplyWait reply, OneHeader executionHeader, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var outcome = await reply.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        if (outcome is null)
        {
            return WebhookResponse.Problem(504, "Gateway Timeout",
                $"The flow did not reply within {timeout.TotalSeconds:0.###} seconds; it goes on running (execution {reply.ExecutionId}).", executionHeader);
        }

        return outcome.Reply is { } httpReply
            ? WebhookResponse.FromReply(httpReply, executionHeader)
            : WebhookResponse.Problem(502, "Bad Gateway", outcome.FailureReason ?? "The flow did not reply.", executionHeader);
    }

    private async ValueTask<(MessageBody? Body, WebhookResponse? Problem)> ReadBodyAsync(
        WebhookRequest request, long limit, WebhookAuthenticationSession session, CancellationToken cancellationToken)
    {
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        // The signature is computed over each new stretch as it arrives: the same bytes the parser reads afterwards, hashed once.
        var read = await RequestBody.ReadToEndAsync(
            request.Body, limit, session.NeedsBody ? bytes => session.Append(bytes) : null, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            return (null, TooLarge(limit));
        }

        var buffer = read.Value.Buffer;
        try
        {
            // Nothing unauthenticated is parsed.
            if (session.Complete() is { Succeeded: false } refused)
            {
                return (null, AuthenticationProblem(refused));
            }

            if (buffer.IsEmpty)
            {
                return (MessageBody.Empty, null);
            }

            return MediaTypeOf(request.ContentType) switch
            {
                BodyKind.Json => ParseJson(buffer, options.Value.MaxBodyDepth),
                BodyKind.Xml => AsBody(ParseXml(buffer, options.Value.MaxBodyDepth)),
                BodyKind.Form => AsBody(ParseForm(buffer)),
                _ => (null, WebhookResponse.Problem(415, "Unsupported Media Type",
                    $"The body's content type '{request.ContentType ?? "(none)"}' is not supported; send application/json, application/xml or application/x-www-form-urlencoded.")),
            };
        }
        finally
        {
            request.Body.AdvanceTo(buffer.End);
        }
    }

    /// <summary>
    /// Validates the body as one JSON object (UTF-8, well-formed, nesting bounded) with no tree built, and takes the one copy
    /// of it that leaves the pipe's buffers: the message's body.
    /// </summary>
    private static (MessageBody? Body, WebhookResponse? Problem) ParseJson(ReadOnlySequence<byte> buffer, int maxDepth)
    {
        var bytes = Utf8JsonObject.CopyWithoutBom(buffer);
        if (Utf8JsonObject.Validate(bytes, maxDepth, "The body", out _, out var hasComments) is { } error)
        {
            return (null, WebhookResponse.Problem(400, "Bad Request", error));
        }

        // Comments were always accepted; the message holds plain JSON, so a body with comments (rare) is written anew.
        return hasComments ? AsBody(FromJsonWithComments(buffer, maxDepth)) : (MessageBody.Own(bytes), null);
    }

    private static (JObject? Body, WebhookResponse? Problem) FromJsonWithComments(ReadOnlySequence<byte> buffer, int maxDepth)
    {
        var (body, error) = RequestBody.ParseObject(buffer, maxDepth, "The body");
        return body is not null ? (body, null) : (null, WebhookResponse.Problem(400, "Bad Request", error!));
    }

    private static (MessageBody? Body, WebhookResponse? Problem) AsBody((JObject? Body, WebhookResponse? Problem) parsed) =>
        parsed.Body is { } body ? (MessageBody.FromObject(body), null) : (null, parsed.Problem);

    private static WebhookResponse TooLarge(long limit) =>
        WebhookResponse.Problem(413, "Payload Too Large", $"The body is larger than the limit of {limit} bytes.");

    private enum BodyKind
    {
        Unsupported,
        Json,
        Xml,
        Form,
    }

    private static BodyKind MediaTypeOf(string? contentType)
    {
        if (contentType is null || !MediaTypeHeaderValue.TryParse(contentType, out var parsed) || parsed.MediaType is not { } mediaType)
        {
            return BodyKind.Unsupported;
        }

        if (mediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Json;
        }

        if (mediaType.Equals("application/xml", StringComparison.OrdinalIgnoreCase) || mediaType.Equals("text/xml", StringComparison.OrdinalIgnoreCase)
            || mediaType.EndsWith("+xml", StringComparison.OrdinalIgnoreCase))
        {
            return BodyKind.Xml;
        }

        return mediaType.Equals("application/x-www-form-urlencoded", StringComparison.OrdinalIgnoreCase) ? BodyKind.Form : BodyKind.Unsupported;
    }

    /// <summary>XML bodies go through the same converter as XML samples, so a payload and its sample have the same shape.</summary>
    private static (JObject? Body, WebhookResponse? Problem) ParseXml(ReadOnlySequence<byte> buffer, int maxDepth)
    {
        try
        {
            return (XmlJsonConverter.Convert(buffer, maxDepth), null);
        }
        catch (SampleFormatException e)
        {
            return (null, WebhookResponse.Problem(400, "Bad Request", "The XML body is not valid: " + e.MessageWithLocation));
        }
    }

    private static (JObject? Body, WebhookResponse? Problem) ParseForm(ReadOnlySequence<byte> buffer)
    {
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(buffer);
        }
        catch (DecoderFallbackException)
        {
            return (null, WebhookResponse.Problem(400, "Bad Request", "The form body is not valid UTF-8."));
        }

        var values = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pair in text.Split('&', StringSplitOptions.RemoveEmptyEntries))
        {
            var equals = pair.IndexOf('=', StringComparison.Ordinal);
            var key = Uri.UnescapeDataString((equals < 0 ? pair : pair[..equals]).Replace('+', ' '));
            var value = equals < 0 ? string.Empty : Uri.UnescapeDataString(pair[(equals + 1)..].Replace('+', ' '));
            if (!values.TryGetValue(key, out var list))
            {
                values[key] = list = [];
            }

            list.Add(value);
        }

        var body = new JObject();
        foreach (var (key, list) in values)
        {
            body[key] = list.Count == 1 ? new JValue(list[0]) : new JArray(list);
        }

        return (body, null);
    }

    /// <summary>A GET request's payload: its query's parameters, one value as a string, several as an array.</summary>
    private static MessageBody QueryBody(IReadOnlyDictionary<string, StringValues> query)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new System.Text.Json.Utf8JsonWriter(buffer, TriggerOutput.WriterOptions))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in query)
            {
                if (value.Count == 1)
                {
                    writer.WriteString(key, value[0]);
                }
                else
                {
                    writer.WriteStartArray(key);
                    foreach (var item in value)
                    {
                        writer.WriteStringValue(item);
                    }

                    writer.WriteEndArray();
                }
            }

            writer.WriteEndObject();
        }

        return MessageBody.Own(buffer.WrittenSpan.ToArray());
    }

    /// <summary>
    /// Whether a header (its lower-case name) holds a secret: the credential-bearing ones, and those the flow's authenticator
    /// names (<see cref="IWebhookAuthenticator.SecretHeaders"/>). The one rule for the message's headers and refused requests'.
    /// </summary>
    internal static bool IsSecretHeader(string name, IReadOnlyCollection<string> secretHeaders) =>
        RedactedHeaders.Contains(name) || secretHeaders.Contains(name, StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// A header's name in lower case. Servers hand out the same string instances for the usual headers, so their lower-case
    /// forms are kept (a bounded number) instead of being made for every request.
    /// </summary>
    private static string LowerCaseName(string name)
    {
        if (!HasUpperCase(name))
        {
            return name;
        }

        if (LowerCaseNames.TryGetValue(name, out var lower))
        {
            return lower;
        }

        lower = name.ToLowerInvariant();
        if (LowerCaseNames.Count < MaxLowerCaseNames)
        {
            LowerCaseNames.TryAdd(name, lower);
        }

        return lower;
    }

    private static bool HasUpperCase(string name)
    {
        foreach (var c in name)
        {
            if (char.IsUpper(c))
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>The headers for the message, names lower case, with every credential-bearing header (and the API key's header) redacted.</summary>
    private static KeyValuePair<string, string>[] RedactHeaders(IReadOnlyDictionary<string, StringValues> headers, IWebhookAuthenticator authenticator)
    {
        var secretHeaders = authenticator.SecretHeaders;
        var result = new KeyValuePair<string, string>[headers.Count];
        var i = 0;
        foreach (var (key, value) in headers)
        {
            var name = LowerCaseName(key);
            var secret = IsSecretHeader(name, secretHeaders);
            result[i++] = new(name, secret ? CredentialManager.Redacted : value.ToString());
        }

        return i == result.Length ? result : result[..i];
    }
}
