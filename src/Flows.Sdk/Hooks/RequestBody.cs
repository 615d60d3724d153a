using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Hooks;

/// <summary>
/// Reading a request body once, into the pipe's own buffers, and parsing it as one JSON object straight from them. Shared by
/// the hook and the management API so both refuse bad bodies the same way.
/// </summary>
internal static class RequestBody
{
    /// <summary>
    /// Reads the whole body without copying it; returns <see langword="null"/> as soon as it passes <paramref name="limit"/>
    /// (the rest is not read). <paramref name="onNewBytes"/> sees each new stretch once, as it arrives (a signature check).
    /// The caller advances the reader past the returned buffer when done with it.
    /// </summary>
    public static async ValueTask<ReadResult?> ReadToEndAsync(
        PipeReader reader, long limit, Action<ReadOnlySequence<byte>>? onNewBytes, CancellationToken cancellationToken)
    {
        long seen = 0;
        while (true)
        {
            var read = await reader.ReadAsync(cancellationToken).ConfigureAwait(false);
            if (read.Buffer.Length > limit)
            {
                reader.AdvanceTo(read.Buffer.End);
                return null;
            }

            if (onNewBytes is not null && read.Buffer.Length > seen)
            {
                onNewBytes(read.Buffer.Slice(seen));
                seen = read.Buffer.Length;
            }

            if (read.IsCompleted || read.IsCanceled)
            {
                return read;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }
    }

    /// <summary>
    /// Parses exactly one JSON object (dates left as strings, nesting bounded). On failure returns the reason, naming line and
    /// position; <paramref name="what"/> names the document in it ("The body", "The request body").
    /// </summary>
    public static (JObject? Body, string? Error) ParseObject(ReadOnlySequence<byte> buffer, int maxDepth, string what)
    {
        try
        {
            using var reader = new JsonTextReader(new Utf8SequenceReader(buffer))
            {
                ArrayPool = JsonCharPool.Shared,
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
                MaxDepth = maxDepth,
            };
            var token = JToken.ReadFrom(reader);
            if (reader.Read())
            {
                return (null, $"{what} is not valid JSON: unexpected content after the JSON value at line {reader.LineNumber}, position {reader.LinePosition}.");
            }

            return token is JObject body ? (body, null) : (null, $"{what} must be a JSON object, but it is {Describe(token.Type)}.");
        }
        catch (JsonReaderException e)
        {
            return (null, e.Message.Contains("MaxDepth", StringComparison.Ordinal)
                ? $"{what} is nested deeper than {maxDepth} levels (line {e.LineNumber}, position {e.LinePosition})."
                : $"{what} is not valid JSON: {e.Message}");
        }
        catch (DecoderFallbackException)
        {
            return (null, $"{what} is not valid UTF-8.");
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
}
