using System.IO.Pipelines;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Hooks;

/// <summary>
/// Reads a request body that must be one JSON object, the way the hook and the management API do: at most a given number of
/// bytes (the rest is not read), parsed straight from the pipe's buffers, nesting bounded, dates left as strings. For an
/// adapter's own JSON endpoints, so that they refuse bad bodies with the same words.
/// </summary>
public static class JsonObjectBody
{
    /// <summary>Reads the whole body from <paramref name="reader"/> and parses it as one JSON object.</summary>
    /// <param name="reader">The body; it is read to its end (or to just past <paramref name="maxBytes"/>) and advanced.</param>
    /// <param name="maxBytes">The largest body accepted.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <param name="what">Names the document in an error's message, for example <c>"The request body"</c>.</param>
    /// <param name="cancellationToken">Cancels the read.</param>
    /// <returns>The object, or why there is none: too large, or not a JSON object (with line and position).</returns>
    public static async ValueTask<JsonObjectBodyResult> ReadAsync(PipeReader reader, long maxBytes, int maxDepth, string what, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentNullException.ThrowIfNull(what);
        ArgumentOutOfRangeException.ThrowIfNegative(maxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        var read = await RequestBody.ReadToEndAsync(reader, maxBytes, null, cancellationToken).ConfigureAwait(false);
        if (read is null)
        {
            return new JsonObjectBodyResult(null, true, $"{what} is larger than {maxBytes} bytes.");
        }

        try
        {
            var (body, error) = RequestBody.ParseObject(read.Value.Buffer, maxDepth, what);
            return new JsonObjectBodyResult(body, false, error);
        }
        finally
        {
            reader.AdvanceTo(read.Value.Buffer.End);
        }
    }
}

/// <summary>What <see cref="JsonObjectBody.ReadAsync"/> read.</summary>
/// <param name="Body">The object, or <see langword="null"/> when the body was refused.</param>
/// <param name="TooLarge">Whether the body was refused for its size (answer <c>413</c>; otherwise a refusal is a <c>400</c>).</param>
/// <param name="Error">Why the body was refused, for the caller (line and position of a syntax error), or <see langword="null"/>.</param>
public sealed record JsonObjectBodyResult(JObject? Body, bool TooLarge, string? Error);
