using System.Buffers;
using System.Text.Json;
using Microsoft.Extensions.Primitives;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// The wire form of a <see cref="QueuedMessage"/>, for durable and distributed queues: one UTF-8 JSON object whose
/// <c>body</c> is the message's <see cref="MessageBody"/> embedded as it is (not parsed, not re-serialised) and written last.
/// </summary>
/// <remarks>
/// The form (version 1): <c>{"v":1,"messageId":…,"requestId":…,"executionId":…,"flowId":…,"flowVersion":n,"receivedAt":"ISO
/// 8601","notBefore":…,"resumeStepId":…,"attempt":n,"rebounds":n,"stepOutputs":{…},"request":{"method":…,"url":…,
/// "additionalPath":…,"query":{"name":"value" or ["values"]},"headers":{"name":"value"}},"body":{…}}</c>; members that are
/// absent or default are left out. A reader ignores members it does not know, so later versions may add some.
/// </remarks>
public static class QueuedMessageCodec
{
    /// <summary>The form's version, written as <c>v</c>.</summary>
    public const int Version = 1;

    /// <summary>Writes <paramref name="message"/> into <paramref name="output"/>.</summary>
    public static void Write(QueuedMessage message, IBufferWriter<byte> output)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(output);
        using var writer = new Utf8JsonWriter(output, TriggerOutput.WriterOptions);
        Write(message, writer);
    }

    /// <summary>The wire form of <paramref name="message"/>, as a new array.</summary>
    public static byte[] Encode(QueuedMessage message)
    {
        ArgumentNullException.ThrowIfNull(message);
        var buffer = new ArrayBufferWriter<byte>(message.Body.Length + 512);
        Write(message, buffer);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Writes <paramref name="message"/> as the next value of <paramref name="writer"/>.</summary>
    public static void Write(QueuedMessage message, Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(message);
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStartObject();
        writer.WriteNumber("v"u8, Version);
        writer.WriteString("messageId"u8, message.MessageId);
        writer.WriteString("requestId"u8, message.RequestId);
        writer.WriteString("executionId"u8, message.ExecutionId);
        writer.WriteString("flowId"u8, message.FlowId);
        writer.WriteNumber("flowVersion"u8, message.FlowVersion);
        writer.WriteString("receivedAt"u8, message.ReceivedAt);
        if (message.NotBefore is { } notBefore)
        {
            writer.WriteString("notBefore"u8, notBefore);
        }

        if (message.ResumeStepId is { } resume)
        {
            writer.WriteString("resumeStepId"u8, resume);
        }

        if (message.Attempt != 1)
        {
            writer.WriteNumber("attempt"u8, message.Attempt);
        }

        if (message.Rebounds != 0)
        {
            writer.WriteNumber("rebounds"u8, message.Rebounds);
        }

        if (message.StepOutputs is { } outputs)
        {
            writer.WritePropertyName("stepOutputs"u8);
            writer.WriteRawValue(outputs.ToString(Newtonsoft.Json.Formatting.None), skipInputValidation: true);
        }

        if (message.Request is { } request)
        {
            writer.WriteStartObject("request"u8);
            writer.WriteString("method"u8, request.Method);
            writer.WriteString("url"u8, request.Url);
            writer.WriteString("additionalPath"u8, request.AdditionalPath);
            TriggerOutput.WriteQuery(writer, "query"u8, request);
            TriggerOutput.WriteHeaders(writer, "headers"u8, request);
            writer.WriteEndObject();
        }

        writer.WritePropertyName("body"u8);
        message.Body.WriteTo(writer);
        writer.WriteEndObject();
    }

    /// <summary>
    /// Reads a message from its wire form. The body is a slice of <paramref name="utf8"/>, not a copy: the caller must not
    /// change those bytes afterwards.
    /// </summary>
    /// <exception cref="FormatException">The bytes are not a message of a known version; the message says what is wrong.</exception>
    public static QueuedMessage Read(ReadOnlyMemory<byte> utf8)
    {
        try
        {
            return ReadCore(utf8);
        }
        catch (JsonException e)
        {
            throw new FormatException($"The queued message is not valid: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            throw new FormatException($"The queued message is not valid: {e.Message}", e);
        }
    }

    private static QueuedMessage ReadCore(ReadOnlyMemory<byte> utf8)
    {
        var reader = new Utf8JsonReader(utf8.Span, new JsonReaderOptions { MaxDepth = MessageBody.DefaultMaxDepth + 2 });
        Expect(reader.Read() && reader.TokenType == JsonTokenType.StartObject, "it is not a JSON object");
        int? version = null;
        string? messageId = null, requestId = null, executionId = null, flowId = null, resumeStepId = null;
        int? flowVersion = null;
        DateTimeOffset? receivedAt = null, notBefore = null;
        int attempt = 1, rebounds = 0;
        JObject? stepOutputs = null;
        TriggerRequest? request = null;
        MessageBody? body = null;
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("body"u8))
            {
                reader.Read();
                Expect(reader.TokenType == JsonTokenType.StartObject, "its body is not a JSON object");
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                body = MessageBody.Own(utf8[start..(int)reader.BytesConsumed]);
            }
            else if (reader.ValueTextEquals("v"u8))
            {
                reader.Read();
                version = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("messageId"u8))
            {
                messageId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("requestId"u8))
            {
                requestId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("executionId"u8))
            {
                executionId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("flowId"u8))
            {
                flowId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("flowVersion"u8))
            {
                reader.Read();
                flowVersion = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("receivedAt"u8))
            {
                reader.Read();
                receivedAt = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("notBefore"u8))
            {
                reader.Read();
                notBefore = reader.GetDateTimeOffset();
            }
            else if (reader.ValueTextEquals("resumeStepId"u8))
            {
                resumeStepId = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("attempt"u8))
            {
                reader.Read();
                attempt = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("rebounds"u8))
            {
                reader.Read();
                rebounds = reader.GetInt32();
            }
            else if (reader.ValueTextEquals("stepOutputs"u8))
            {
                reader.Read();
                Expect(reader.TokenType == JsonTokenType.StartObject, "its stepOutputs is not a JSON object");
                var start = (int)reader.TokenStartIndex;
                reader.Skip();
                stepOutputs = MessageBody.Own(utf8[start..(int)reader.BytesConsumed]).ToObject();
            }
            else if (reader.ValueTextEquals("request"u8))
            {
                request = ReadRequest(ref reader);
            }
            else
            {
                reader.Read();
                reader.Skip(); // A member of a later version.
            }
        }

        Expect(version is not null, "it has no version (v)");
        Expect(version == Version, $"its version {version} is not known (this reader knows {Version})");
        Expect(body is not null, "it has no body");
        return new QueuedMessage(
            Required(messageId, "messageId"), Required(requestId, "requestId"), Required(executionId, "executionId"), Required(flowId, "flowId"),
            flowVersion ?? throw Missing("flowVersion"), body!, receivedAt ?? throw Missing("receivedAt"))
        {
            NotBefore = notBefore,
            ResumeStepId = resumeStepId,
            Attempt = attempt,
            Rebounds = rebounds,
            StepOutputs = stepOutputs,
            Request = request,
        };
    }

    private static TriggerRequest ReadRequest(ref Utf8JsonReader reader)
    {
        reader.Read();
        Expect(reader.TokenType == JsonTokenType.StartObject, "its request is not a JSON object");
        string? method = null, url = null, additionalPath = null;
        var query = new List<KeyValuePair<string, StringValues>>();
        var headers = new List<KeyValuePair<string, string>>();
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            if (reader.ValueTextEquals("method"u8))
            {
                method = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("url"u8))
            {
                url = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("additionalPath"u8))
            {
                additionalPath = NextString(ref reader);
            }
            else if (reader.ValueTextEquals("query"u8))
            {
                reader.Read();
                Expect(reader.TokenType == JsonTokenType.StartObject, "its request's query is not a JSON object");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    reader.Read();
                    if (reader.TokenType == JsonTokenType.StartArray)
                    {
                        var values = new List<string?>();
                        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
                        {
                            values.Add(reader.GetString());
                        }

                        query.Add(new(name, new StringValues(values.ToArray())));
                    }
                    else
                    {
                        query.Add(new(name, reader.GetString()));
                    }
                }
            }
            else if (reader.ValueTextEquals("headers"u8))
            {
                reader.Read();
                Expect(reader.TokenType == JsonTokenType.StartObject, "its request's headers are not a JSON object");
                while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
                {
                    var name = reader.GetString()!;
                    headers.Add(new(name, NextString(ref reader) ?? string.Empty));
                }
            }
            else
            {
                reader.Read();
                reader.Skip();
            }
        }

        return new TriggerRequest(method ?? throw Missing("request.method"), url ?? string.Empty, additionalPath ?? string.Empty, query, headers);
    }

    private static string? NextString(ref Utf8JsonReader reader)
    {
        reader.Read();
        return reader.TokenType == JsonTokenType.Null ? null : reader.GetString();
    }

    private static string Required(string? value, string name) => value ?? throw Missing(name);

    private static FormatException Missing(string name) => new($"The queued message is not valid: it has no {name}.");

    private static void Expect(bool condition, string what)
    {
        if (!condition)
        {
            throw new FormatException($"The queued message is not valid: {what}.");
        }
    }
}
