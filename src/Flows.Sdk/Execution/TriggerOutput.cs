using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Flows.Sdk.Execution;

/// <summary>
/// The trigger's output as UTF-8 JSON, written from the payload's bytes and the <see cref="TriggerRequest"/> without building a
/// tree: the payload's properties, less those the request sets, then <c>_query</c>, <c>_headers</c>, <c>_method</c>, <c>_url</c>
/// and <c>_additionalUrlPath</c> (the request wins, as it always did).
/// </summary>
internal static class TriggerOutput
{
    /// <summary>Strings are written as they are, not escaped beyond what JSON requires: the output reads like the request.</summary>
    internal static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping, SkipValidation = true };

    private const int MaxKeptScratch = 256 * 1024;

    [ThreadStatic]
    private static Scratch? t_scratch;

    /// <summary>The trigger's output of a first delivery: <paramref name="payload"/> alone when there is no <paramref name="request"/>.</summary>
    public static MessageBody Compose(MessageBody payload, TriggerRequest? request)
    {
        ArgumentNullException.ThrowIfNull(payload);
        if (request is null)
        {
            return payload;
        }

        var scratch = t_scratch ??= new Scratch();
        scratch.Buffer.ResetWrittenCount();
        scratch.Writer.Reset(scratch.Buffer);
        var writer = scratch.Writer;
        writer.WriteStartObject();
        var utf8 = payload.Utf8.Span;
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = MessageBody.DefaultMaxDepth + 1 });
        reader.Read();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var reserved = reader.ValueTextEquals("_query"u8) || reader.ValueTextEquals("_headers"u8) || reader.ValueTextEquals("_method"u8)
                || reader.ValueTextEquals("_url"u8) || reader.ValueTextEquals("_additionalUrlPath"u8);
            string? escapedName = !reserved && reader.ValueIsEscaped ? reader.GetString() : null;
            var name = reader.ValueSpan;
            reader.Read();
            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            if (reserved)
            {
                continue;
            }

            if (escapedName is not null)
            {
                writer.WritePropertyName(escapedName);
            }
            else
            {
                writer.WritePropertyName(name);
            }

            writer.WriteRawValue(utf8[start..(int)reader.BytesConsumed], skipInputValidation: true);
        }

        WriteRequest(writer, request);
        writer.WriteEndObject();
        writer.Flush();
        var output = MessageBody.Own(scratch.Buffer.WrittenSpan.ToArray());
        if (scratch.Buffer.Capacity > MaxKeptScratch)
        {
            t_scratch = null; // A large body's buffer is not kept for the thread's next, usually small, one.
        }

        return output;
    }

    /// <summary>Writes the request's five properties into the open object.</summary>
    public static void WriteRequest(Utf8JsonWriter writer, TriggerRequest request)
    {
        WriteQuery(writer, "_query"u8, request);
        WriteHeaders(writer, "_headers"u8, request);
        writer.WriteString("_method"u8, request.Method);
        writer.WriteString("_url"u8, request.Url);
        writer.WriteString("_additionalUrlPath"u8, request.AdditionalPath);
    }

    /// <summary>The query as an object (a repeated name as an array), under <paramref name="name"/>: the trigger's and the wire form's.</summary>
    public static void WriteQuery(Utf8JsonWriter writer, ReadOnlySpan<byte> name, TriggerRequest request)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in request.Query)
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

    /// <summary>The (already redacted) headers as an object, under <paramref name="name"/>.</summary>
    public static void WriteHeaders(Utf8JsonWriter writer, ReadOnlySpan<byte> name, TriggerRequest request)
    {
        writer.WriteStartObject(name);
        foreach (var (key, value) in request.Headers)
        {
            writer.WriteString(key, value);
        }

        writer.WriteEndObject();
    }

    /// <summary>A thread's reusable buffer and writer: composing allocates only the result.</summary>
    private sealed class Scratch
    {
        public ArrayBufferWriter<byte> Buffer { get; } = new(4096);

        public Utf8JsonWriter Writer { get; } = new(Stream.Null, WriterOptions);
    }
}
