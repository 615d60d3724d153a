using System.Buffers;
using System.IO.Pipelines;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Samples;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Primitives;
using Newtonsoft.Json;
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
    ReplyBroker replies,
    ILogger<WebhookReceiver> logger) : IWebhookReceiver
{
    private static readonly string[] RedactedHeaders = ["authorization", "proxy-authorization", "cookie"];

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
            }
            else
            {
                FlowsTelemetry.HooksAccepted.Add(1);
            }

            return response;
        }
        finally
        {
            await request.Body.CompleteAsync().ConfigureAwait(false);
        }
    }

    private async ValueTask<WebhookResponse> ReceiveCoreAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var isGet = HttpMethods.Is(request.Method, "GET");
        if (!isGet && !HttpMethods.Is(request.Method, "POST"))
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

        var trigger = compiled.Steps[0].Definition;
        var credential = trigger.CredentialId is null ? null : await credentials.GetAsync(trigger.CredentialId, cancellationToken).ConfigureAwait(false);
        var authProblem = Authenticate(request, credential?.Fields);
        if (authProblem is not null)
        {
            return authProblem;
        }

        JObject payload;
        if (isGet)
        {
            payload = ToObject(request.Query);
        }
        else
        {
            var (body, problem) = await ReadBodyAsync(request, cancellationToken).ConfigureAwait(false);
            if (problem is not null)
            {
                return problem;
            }

            payload = body!;
        }

        payload["_query"] = ToObject(request.Query);
        payload["_headers"] = HeadersToObject(request.Headers);
        payload["_method"] = request.Method.ToUpperInvariant();
        payload["_url"] = request.Url;
        payload["_additionalUrlPath"] = request.AdditionalPath;

        var requestId = Ids.New();
        var expectsReply = compiled.Steps.Any(step => step.Component.Descriptor.Id == ReplyComponent.ComponentId);
        var message = new QueuedMessage(Ids.New(), requestId, Ids.New(), flow.Id, liveVersion, payload, time.GetUtcNow()) { ExpectsReply = expectsReply };
        var executionHeader = new Dictionary<string, string> { [WebhookResponse.ExecutionIdHeader] = message.ExecutionId };
        var reply = expectsReply ? replies.Register(message.ExecutionId) : null;
        if (!await queue.TryEnqueueAsync(message, cancellationToken).ConfigureAwait(false))
        {
            replies.Unregister(message.ExecutionId);
            Log.HookQueueFull(logger, flow.Id);
            return WebhookResponse.Problem(503, "Service Unavailable", "The flow's queue is full; try again later.",
                new Dictionary<string, string> { ["Retry-After"] = "5" });
        }

        Log.HookAccepted(logger, requestId, flow.Id, liveVersion);
        if (reply is null)
        {
            return WebhookResponse.Accepted(requestId, executionHeader);
        }

        return await WaitForReplyAsync(reply, message.ExecutionId, executionHeader, cancellationToken).ConfigureAwait(false);
    }

    private async Task<WebhookResponse> WaitForReplyAsync(
        Task<ReplyOutcome> reply, string executionId, Dictionary<string, string> executionHeader, CancellationToken cancellationToken)
    {
        var timeout = options.Value.ReplyTimeout;
        try
        {
            var outcome = await reply.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
            return outcome.Reply is { } httpReply
                ? WebhookResponse.FromReply(httpReply, executionHeader)
                : WebhookResponse.Problem(502, "Bad Gateway", outcome.FailureReason ?? "The flow did not reply.", executionHeader);
        }
        catch (TimeoutException)
        {
            return WebhookResponse.Problem(504, "Gateway Timeout",
                $"The flow did not reply within {timeout.TotalSeconds:0.###} seconds; it goes on running (execution {executionId}).", executionHeader);
        }
        finally
        {
            replies.Unregister(executionId);
        }
    }

    private static WebhookResponse? Authenticate(WebhookRequest request, JObject? fields)
    {
        var type = (string?)fields?["type"] ?? "none";
        if (type == "none")
        {
            return null;
        }

        if (type == "basic")
        {
            var realm = "Flows.Sdk webhook";
            var challenge = new Dictionary<string, string> { ["WWW-Authenticate"] = $"Basic realm=\"{realm}\", charset=\"UTF-8\"" };
            if (!request.Headers.TryGetValue("Authorization", out var header) || header.Count != 1 ||
                !AuthenticationHeaderValue.TryParse(header[0], out var parsed) ||
                !string.Equals(parsed.Scheme, "Basic", StringComparison.OrdinalIgnoreCase) || parsed.Parameter is null)
            {
                return WebhookResponse.Problem(401, "Unauthorized", "The request needs Basic Auth credentials in the Authorization header.", challenge);
            }

            string decoded;
            try
            {
                decoded = Encoding.UTF8.GetString(Convert.FromBase64String(parsed.Parameter));
            }
            catch (FormatException)
            {
                return WebhookResponse.Problem(401, "Unauthorized", "The Basic Auth credentials are not valid base64.", challenge);
            }

            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            var ok = colon >= 0
                & SecretEquals(decoded.AsSpan(0, Math.Max(colon, 0)), (string?)fields!["username"])
                & SecretEquals(decoded.AsSpan(colon + 1), (string?)fields["password"]);
            return ok ? null : WebhookResponse.Problem(401, "Unauthorized", "The Basic Auth credentials are wrong.", challenge);
        }

        return WebhookResponse.Problem(401, "Unauthorized", "The flow's webhook credential has a type this host does not support.");
    }

    /// <summary>Compares SHA-256 digests in constant time, so neither content nor length leaks through timing.</summary>
    private static bool SecretEquals(ReadOnlySpan<char> given, string? expected)
    {
        Span<byte> a = stackalloc byte[32];
        Span<byte> b = stackalloc byte[32];
        Digest(given, a);
        Digest((expected ?? string.Empty).AsSpan(), b);
        return CryptographicOperations.FixedTimeEquals(a, b) && expected is not null;

        static void Digest(ReadOnlySpan<char> text, Span<byte> destination)
        {
            var bytes = ArrayPool<byte>.Shared.Rent(Encoding.UTF8.GetMaxByteCount(text.Length));
            try
            {
                var count = Encoding.UTF8.GetBytes(text, bytes);
                SHA256.HashData(bytes.AsSpan(0, count), destination);
                CryptographicOperations.ZeroMemory(bytes.AsSpan(0, count));
            }
            finally
            {
                ArrayPool<byte>.Shared.Return(bytes);
            }
        }
    }

    private async ValueTask<(JObject? Body, WebhookResponse? Problem)> ReadBodyAsync(WebhookRequest request, CancellationToken cancellationToken)
    {
        var limit = options.Value.MaxBodySize;
        if (request.ContentLength > limit)
        {
            return (null, TooLarge(limit));
        }

        // Read the whole body into the pipe's own buffers (no copy), refusing as soon as it passes the limit.
        ReadResult read;
        while (true)
        {
            read = await request.Body.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.Buffer.Length > limit)
            {
                request.Body.AdvanceTo(read.Buffer.End);
                return (null, TooLarge(limit));
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                break;
            }

            request.Body.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        var buffer = read.Buffer;
        try
        {
            if (buffer.IsEmpty)
            {
                return ([], null);
            }

            return MediaTypeOf(request.ContentType) switch
            {
                BodyKind.Json => ParseJson(buffer, options.Value.MaxBodyDepth),
                BodyKind.Xml => ParseXml(buffer, options.Value.MaxBodyDepth),
                BodyKind.Form => ParseForm(buffer),
                _ => (null, WebhookResponse.Problem(415, "Unsupported Media Type",
                    $"The body's content type '{request.ContentType ?? "(none)"}' is not supported; send application/json, application/xml or application/x-www-form-urlencoded.")),
            };
        }
        finally
        {
            request.Body.AdvanceTo(buffer.End);
        }
    }

    private static (JObject? Body, WebhookResponse? Problem) ParseJson(ReadOnlySequence<byte> buffer, int maxDepth)
    {
        try
        {
            using var reader = new JsonTextReader(new StreamReader(new ReadOnlySequenceStream(buffer), Encoding.UTF8))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
                MaxDepth = maxDepth,
            };
            var token = JToken.ReadFrom(reader);
            if (reader.Read())
            {
                return (null, WebhookResponse.Problem(400, "Bad Request",
                    $"The body is not valid JSON: unexpected content after the JSON value at line {reader.LineNumber}, position {reader.LinePosition}."));
            }

            if (token is not JObject body)
            {
                return (null, WebhookResponse.Problem(400, "Bad Request", $"The body must be a JSON object, but it is {Describe(token.Type)}."));
            }

            return (body, null);
        }
        catch (JsonReaderException e)
        {
            var detail = e.Message.Contains("MaxDepth", StringComparison.Ordinal)
                ? $"The body is nested deeper than {maxDepth} levels (line {e.LineNumber}, position {e.LinePosition})."
                : $"The body is not valid JSON: {e.Message}";
            return (null, WebhookResponse.Problem(400, "Bad Request", detail));
        }
        catch (DecoderFallbackException)
        {
            return (null, WebhookResponse.Problem(400, "Bad Request", "The body is not valid UTF-8."));
        }
    }

    private static string Describe(JTokenType type) => type switch
    {
        JTokenType.Array => "an array",
        JTokenType.Integer or JTokenType.Float => "a number",
        JTokenType.String => "a string",
        JTokenType.Boolean => "a boolean",
        JTokenType.Null => "null",
        _ => type.ToString().ToLowerInvariant(),
    };

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

    private static JObject ToObject(IReadOnlyDictionary<string, StringValues> values)
    {
        var result = new JObject();
        foreach (var (key, value) in values)
        {
            result[key] = value.Count == 1 ? new JValue(value[0]) : new JArray(value.Select(v => new JValue(v)).ToArray());
        }

        return result;
    }

    private static JObject HeadersToObject(IReadOnlyDictionary<string, StringValues> headers)
    {
        var result = new JObject();
        foreach (var (key, value) in headers)
        {
            var name = key.ToLowerInvariant();
            result[name] = RedactedHeaders.Contains(name) ? CredentialManagerRedaction : value.ToString();
        }

        return result;
    }

    private const string CredentialManagerRedaction = "***";

    private static class HttpMethods
    {
        public static bool Is(string method, string expected) => string.Equals(method, expected, StringComparison.OrdinalIgnoreCase);
    }
}
