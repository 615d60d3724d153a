namespace Flows.Sdk.Hooks;

/// <summary>
/// A hook request a flow refused (any answer but <c>200</c>), as kept for the sender's "why was I refused?": when, the status,
/// the reason, the headers with their secrets masked (<c>***</c>), and the body's size. Never the body itself.
/// </summary>
public sealed record RefusedDelivery
{
    /// <summary>The flow the request was for.</summary>
    public required string FlowId { get; init; }

    /// <summary>When the hook answered.</summary>
    public required DateTimeOffset ReceivedAt { get; init; }

    /// <summary>The status code of the answer (for example <c>401</c>).</summary>
    public required int StatusCode { get; init; }

    /// <summary>The answer's title (for example <c>Unauthorized</c>).</summary>
    public required string Reason { get; init; }

    /// <summary>The answer's detail: what was wrong and where (for example a wrong signature, a stale timestamp).</summary>
    public string? Detail { get; init; }

    /// <summary>The request's method.</summary>
    public required string Method { get; init; }

    /// <summary>The request's content type, or <see langword="null"/>.</summary>
    public string? ContentType { get; init; }

    /// <summary>The body's size in bytes as the sender declared it (<c>Content-Length</c>), or <see langword="null"/> when unknown.</summary>
    public long? BodySize { get; init; }

    /// <summary>
    /// The request headers (names in lower case; repeated values joined by <c>, </c>), with every secret replaced by <c>***</c>:
    /// <c>authorization</c>, <c>proxy-authorization</c>, <c>cookie</c>, the flow's API-key header, and any header whose name
    /// speaks of a signature, secret, token, key, password or HMAC.
    /// </summary>
    public required IReadOnlyDictionary<string, string> Headers { get; init; }
}
