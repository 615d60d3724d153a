using System.IO.Pipelines;
using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Hooks;

/// <summary>
/// A request to a flow's hook, independent of the transport that carried it (ASP.NET Core, a queue consumer, a test).
/// </summary>
public sealed class WebhookRequest
{
    /// <summary>The HTTP method, such as <c>POST</c>.</summary>
    public required string Method { get; init; }

    /// <summary>The flow the request is for.</summary>
    public required string FlowId { get; init; }

    /// <summary>The part of the path after <c>/hook/{flowId}/</c>, or an empty string.</summary>
    public string AdditionalPath { get; init; } = string.Empty;

    /// <summary>The full URL of the request, as the caller sent it.</summary>
    public string Url { get; init; } = string.Empty;

    /// <summary>The request headers; look-ups must ignore case.</summary>
    public required IReadOnlyDictionary<string, StringValues> Headers { get; init; }

    /// <summary>The query string parameters.</summary>
    public IReadOnlyDictionary<string, StringValues> Query { get; init; } = EmptyValues;

    /// <summary>The value of the <c>Content-Type</c> header, or <see langword="null"/>.</summary>
    public string? ContentType { get; init; }

    /// <summary>The value of the <c>Content-Length</c> header, or <see langword="null"/> when unknown.</summary>
    public long? ContentLength { get; init; }

    /// <summary>The request body. The receiver reads it once.</summary>
    public required PipeReader Body { get; init; }

    private static readonly IReadOnlyDictionary<string, StringValues> EmptyValues = new Dictionary<string, StringValues>();
}
