using Microsoft.Extensions.Primitives;

namespace Flows.Sdk.Execution;

/// <summary>
/// What the hook's request adds to the payload in the trigger's output, kept as data (not a tree) in a first delivery's
/// <see cref="QueuedMessage"/>: the worker builds the output (<c>_query</c>, <c>_headers</c>, <c>_method</c>, <c>_url</c>,
/// <c>_additionalUrlPath</c> over the payload's own properties) once, when something needs it.
/// </summary>
/// <param name="Method">The request's method, upper case.</param>
/// <param name="Url">The request's URL as the hook saw it.</param>
/// <param name="AdditionalPath">The path after the hook's address (<c>/hook/{flowId}/{**rest}</c>), or empty.</param>
/// <param name="Query">The query's parameters: one value is a string in the output, several an array.</param>
/// <param name="Headers">The headers, names lower case, every credential-bearing one already redacted.</param>
public sealed record TriggerRequest(
    string Method,
    string Url,
    string AdditionalPath,
    IReadOnlyList<KeyValuePair<string, StringValues>> Query,
    IReadOnlyList<KeyValuePair<string, string>> Headers);
