using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>An HTTP reply a flow sends back to the caller that is waiting at the hook.</summary>
public sealed record HttpReply
{
    /// <summary>The status code (default 200).</summary>
    public int StatusCode { get; init; } = 200;

    /// <summary>The content type of <see cref="Body"/> (default <c>application/json</c>).</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>Response headers to add.</summary>
    public IReadOnlyDictionary<string, string> Headers { get; init; } = new Dictionary<string, string>();

    /// <summary>
    /// The body: a JSON value written as JSON, or, for a content type that is not JSON, a string written as it is.
    /// <see langword="null"/> for no body.
    /// </summary>
    public JToken? Body { get; init; }
}
