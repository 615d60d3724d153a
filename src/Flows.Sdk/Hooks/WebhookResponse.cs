using Flows.Sdk.Components;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Hooks;

/// <summary>The answer to a hook request: a status code, headers and a body (a problem details object for errors).</summary>
public sealed class WebhookResponse
{
    // An acknowledgement keeps its request id and its wire form; its body object is built only if someone asks for it.
    private readonly string? _acceptedRequestId;
    private readonly string? _acceptedContent;
    private JObject? _body;

    private WebhookResponse(int statusCode, JObject? body, string? text, string contentType, bool isProblem, IReadOnlyDictionary<string, string> headers)
    {
        StatusCode = statusCode;
        _body = body;
        Text = text;
        ContentType = contentType;
        IsProblem = isProblem;
        Headers = headers;
    }

    /// <summary>The response header that names the execution a hook request started (<c>x-execution-id</c>).</summary>
    public const string ExecutionIdHeader = "x-execution-id";

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The JSON body of an acknowledgement or a problem; <see langword="null"/> for a flow's reply that is not a JSON object.</summary>
    public JObject? Body => _body ??= _acceptedRequestId is { } requestId ? AcceptedBody(requestId) : null;

    /// <summary>The body as text, when it is not <see cref="Body"/> (a flow's reply); <see langword="null"/> otherwise.</summary>
    public string? Text { get; }

    /// <summary>Whether the body is an RFC 9457 problem details object (content type <c>application/problem+json</c>).</summary>
    public bool IsProblem { get; }

    /// <summary>Headers to add to the response (for example <c>WWW-Authenticate</c>, <c>Retry-After</c> or <c>x-execution-id</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The content type of the body.</summary>
    public string ContentType { get; }

    /// <summary>The body as it goes on the wire.</summary>
    public string Content => Text ?? (_body is null ? _acceptedContent : null) ?? Body?.ToString(Formatting.None) ?? string.Empty;

    /// <summary>The request was accepted: <c>200 {"requestId": "...", "message": "thank you"}</c>.</summary>
    public static WebhookResponse Accepted(string requestId, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(requestId);
        return new(requestId, headers ?? NoHeaders);
    }

    private WebhookResponse(string requestId, IReadOnlyDictionary<string, string> headers)
        : this(200, null, null, "application/json", false, headers)
    {
        _acceptedRequestId = requestId;

        // The hook's own ids need no escaping, so the usual acknowledgement is written without a tree or a JSON writer.
        _acceptedContent = IsPlainId(requestId)
            ? "{\"requestId\":\"" + requestId + "\",\"message\":\"thank you\"}"
            : AcceptedBody(requestId).ToString(Formatting.None);
    }

    private static JObject AcceptedBody(string requestId) => new() { ["requestId"] = requestId, ["message"] = "thank you" };

    private static bool IsPlainId(string id)
    {
        foreach (var c in id)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '-' && c != '_')
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>A problem details response.</summary>
    /// <param name="statusCode">The HTTP status code.</param>
    /// <param name="title">A short summary of the problem type.</param>
    /// <param name="detail">What went wrong with this request, and where.</param>
    /// <param name="headers">Headers to add, or <see langword="null"/>.</param>
    public static WebhookResponse Problem(int statusCode, string title, string detail, IReadOnlyDictionary<string, string>? headers = null) =>
        new(statusCode, new JObject
        {
            ["type"] = $"https://httpstatuses.io/{statusCode}",
            ["title"] = title,
            ["status"] = statusCode,
            ["detail"] = detail,
        }, null, "application/problem+json", true, headers ?? NoHeaders);

    /// <summary>A flow's reply, sent as the flow built it.</summary>
    /// <param name="reply">The reply.</param>
    /// <param name="headers">Headers to add besides the reply's own, or <see langword="null"/>.</param>
    public static WebhookResponse FromReply(HttpReply reply, IReadOnlyDictionary<string, string>? headers = null)
    {
        ArgumentNullException.ThrowIfNull(reply);
        var all = new Dictionary<string, string>(reply.Headers, StringComparer.OrdinalIgnoreCase);
        foreach (var (name, value) in headers ?? NoHeaders)
        {
            all[name] = value;
        }

        var isJson = reply.ContentType.Contains("json", StringComparison.OrdinalIgnoreCase);
        var text = reply.Body switch
        {
            null => string.Empty,
            JValue { Type: JTokenType.String } s when !isJson => (string)s!,
            var token => token.ToString(Formatting.None),
        };
        return new(reply.StatusCode, null, text, reply.ContentType, false, all);
    }

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
}
