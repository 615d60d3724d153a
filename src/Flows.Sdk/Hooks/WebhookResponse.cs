using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Hooks;

/// <summary>The answer to a hook request: a status code, headers and a JSON body (a problem details object for errors).</summary>
public sealed class WebhookResponse
{
    private WebhookResponse(int statusCode, JObject body, bool isProblem, IReadOnlyDictionary<string, string> headers)
    {
        StatusCode = statusCode;
        Body = body;
        IsProblem = isProblem;
        Headers = headers;
    }

    /// <summary>The HTTP status code.</summary>
    public int StatusCode { get; }

    /// <summary>The JSON body.</summary>
    public JObject Body { get; }

    /// <summary>Whether <see cref="Body"/> is an RFC 9457 problem details object (content type <c>application/problem+json</c>).</summary>
    public bool IsProblem { get; }

    /// <summary>Headers to add to the response (for example <c>WWW-Authenticate</c> or <c>Retry-After</c>).</summary>
    public IReadOnlyDictionary<string, string> Headers { get; }

    /// <summary>The content type of <see cref="Body"/>.</summary>
    public string ContentType => IsProblem ? "application/problem+json" : "application/json";

    /// <summary>The request was accepted: <c>200 {"requestId": "...", "message": "thank you"}</c>.</summary>
    public static WebhookResponse Accepted(string requestId) =>
        new(200, new JObject { ["requestId"] = requestId, ["message"] = "thank you" }, false, NoHeaders);

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
        }, true, headers ?? NoHeaders);

    private static readonly IReadOnlyDictionary<string, string> NoHeaders = new Dictionary<string, string>();
}
