using System.Text;
using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using RabbitMQ.Client;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// Every (de)serialisation of this package in one place: a <see cref="QueuedMessage"/> to the broker's bytes and headers and
/// back (the core's <see cref="QueuedMessageCodec"/>), the replies and the flow-state changes.
/// </summary>
internal static class RabbitMessageCodec
{
    /// <summary>Deliveries before this one that the broker does not count (a delayed message is a new publish): our own header.</summary>
    public const string DeliveriesHeader = "flows-deliveries";

    /// <summary>When a delayed message is due, in Unix milliseconds (the host's <see cref="TimeProvider"/>).</summary>
    public const string NotBeforeHeader = "flows-not-before";

    /// <summary>The node that published a flow-state change.</summary>
    public const string NodeHeader = "flows-node";

    /// <summary>What a reply message is: <c>reply</c> or <c>abandon</c>.</summary>
    public const string ReplyKindHeader = "flows-reply";

    /// <summary>The quorum queue's count of earlier returns of this delivery.</summary>
    public const string BrokerDeliveryCount = "x-delivery-count";

    // Dates inside payloads stay strings: a message reads back exactly as it was accepted.
    private static readonly JsonSerializerSettings Settings = new()
    {
        DateParseHandling = DateParseHandling.None,
        FloatParseHandling = FloatParseHandling.Double,
        NullValueHandling = NullValueHandling.Ignore,
    };

    private static readonly JsonSerializer Serializer = JsonSerializer.Create(Settings);

    /// <summary>The message's bytes: the core's wire form (<see cref="QueuedMessageCodec"/>), body embedded as accepted.</summary>
    public static byte[] Encode(QueuedMessage message) => QueuedMessageCodec.Encode(message);

    /// <summary>Reads a message from a delivery's bytes (copied: the client reuses its buffer after the handler).</summary>
    /// <exception cref="FormatException">The bytes are not a queued message.</exception>
    public static QueuedMessage Decode(ReadOnlySpan<byte> body) => QueuedMessageCodec.Read(body.ToArray());

    /// <summary>The properties of a queued message: persistent, with its ids, its reply address and its counts.</summary>
    public static BasicProperties Properties(QueuedMessage message, int deliveries, DateTimeOffset? notBefore, string? replyTo)
    {
        var properties = new BasicProperties
        {
            Persistent = true,
            ContentType = "application/json",
            MessageId = message.MessageId,
            CorrelationId = message.ExecutionId,
            Type = "flows.message",
            ReplyTo = replyTo,
        };
        if (deliveries > 0 || notBefore is not null)
        {
            properties.Headers = new Dictionary<string, object?>();
            if (deliveries > 0)
            {
                properties.Headers[DeliveriesHeader] = deliveries;
            }

            if (notBefore is { } due)
            {
                properties.Headers[NotBeforeHeader] = due.ToUnixTimeMilliseconds();
            }
        }

        return properties;
    }

    /// <summary>How many times the message was delivered before this delivery: our header (earlier hops) plus the broker's count.</summary>
    public static int EarlierDeliveries(IReadOnlyBasicProperties properties) =>
        (int)(Number(properties, DeliveriesHeader) ?? 0) + (int)(Number(properties, BrokerDeliveryCount) ?? 0);

    /// <summary>When a delayed message is due, or <see langword="null"/>.</summary>
    public static DateTimeOffset? NotBefore(IReadOnlyBasicProperties properties) =>
        Number(properties, NotBeforeHeader) is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null;

    /// <summary>Why the broker dead-lettered a message (its <c>x-death</c> reason and queue), for the run log.</summary>
    public static (string Reason, string Queue, long Count) Death(IReadOnlyBasicProperties properties)
    {
        if (properties.Headers?.TryGetValue("x-death", out var value) == true && value is IList<object?> { Count: > 0 } deaths
            && deaths[0] is IDictionary<string, object?> death)
        {
            return (Text(death.TryGetValue("reason", out var r) ? r : null) ?? "unknown",
                Text(death.TryGetValue("queue", out var q) ? q : null) ?? "unknown",
                death.TryGetValue("count", out var c) && c is long n ? n : 1);
        }

        return ("unknown", "unknown", 1);
    }

    public static byte[] EncodeReply(HttpReply reply) => Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(new JObject
    {
        ["statusCode"] = reply.StatusCode,
        ["contentType"] = reply.ContentType,
        ["headers"] = JObject.FromObject(reply.Headers, Serializer),
        ["body"] = reply.Body?.DeepClone(),
    }, Formatting.None, Settings));

    public static HttpReply DecodeReply(ReadOnlySpan<byte> body)
    {
        var json = Parse(body);
        return new HttpReply
        {
            StatusCode = json.Value<int>("statusCode"),
            ContentType = json.Value<string>("contentType") ?? "application/json",
            Headers = json["headers"] is JObject headers ? headers.ToObject<Dictionary<string, string>>(Serializer)! : new Dictionary<string, string>(),
            Body = json["body"] is { Type: not JTokenType.Null } token ? token : null,
        };
    }

    public static byte[] EncodeText(string text) => Encoding.UTF8.GetBytes(text);

    public static string DecodeText(ReadOnlySpan<byte> body) => Encoding.UTF8.GetString(body);

    public static byte[] EncodeChange(FlowStateChange change) => Encoding.UTF8.GetBytes(JsonConvert.SerializeObject(new JObject
    {
        ["flowId"] = change.FlowId,
        ["kind"] = change.Kind.ToString(),
        ["state"] = change.State.ToString(),
        ["latestVersion"] = change.LatestVersion,
        ["liveVersion"] = change.LiveVersion,
        ["revision"] = change.Revision,
        ["changedAt"] = change.ChangedAt.ToUnixTimeMilliseconds(),
    }, Formatting.None, Settings));

    public static FlowStateChange DecodeChange(ReadOnlySpan<byte> body)
    {
        var json = Parse(body);
        return new FlowStateChange(
            json.Value<string>("flowId") ?? throw new InvalidDataException("A flow-state change has no flow id."),
            Enum.Parse<FlowStateChangeKind>(json.Value<string>("kind")!),
            Enum.Parse<FlowState>(json.Value<string>("state")!),
            json.Value<int?>("latestVersion"),
            json.Value<int?>("liveVersion"),
            json.Value<long>("revision"),
            DateTimeOffset.FromUnixTimeMilliseconds(json.Value<long>("changedAt")));
    }

    /// <summary>A header's text (the client gives strings as bytes), or <see langword="null"/>.</summary>
    public static string? Header(IReadOnlyBasicProperties properties, string header) =>
        properties.Headers is { } headers && headers.TryGetValue(header, out var value) ? Text(value) : null;

    public static string? Text(object? value) => value switch
    {
        byte[] bytes => Encoding.UTF8.GetString(bytes),
        string text => text,
        _ => null,
    };

    private static JObject Parse(ReadOnlySpan<byte> body)
    {
        using var reader = new JsonTextReader(new StringReader(Encoding.UTF8.GetString(body))) { DateParseHandling = DateParseHandling.None };
        return JObject.Load(reader);
    }

    public static long? Number(IReadOnlyBasicProperties properties, string header) =>
        properties.Headers?.TryGetValue(header, out var value) == true
            ? value switch { long l => l, int i => i, short s => s, byte b => b, _ => null }
            : null;
}
