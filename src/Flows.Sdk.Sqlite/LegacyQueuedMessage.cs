using System.Globalization;
using Flows.Sdk.Execution;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// Reads a queue row written before the wire form (<see cref="QueuedMessageCodec"/>): the record's reflection-based JSON text,
/// with its <c>Body</c> the trigger's whole output or a resumed step's incoming message. Rows of that form left in a file are
/// delivered after the upgrade; new rows are never written so.
/// </summary>
internal static class LegacyQueuedMessage
{
    public static QueuedMessage Read(string json)
    {
        JObject record;
        using (var reader = new JsonTextReader(new StringReader(json)) { DateParseHandling = DateParseHandling.None, FloatParseHandling = FloatParseHandling.Double, MaxDepth = 256 })
        {
            record = JObject.Load(reader);
        }

        return new QueuedMessage(
            Text(record, "MessageId"),
            Text(record, "RequestId"),
            Text(record, "ExecutionId"),
            Text(record, "FlowId"),
            (int?)record["FlowVersion"] ?? throw Missing("FlowVersion"),
            MessageBody.FromObject(record["Body"] as JObject ?? throw Missing("Body")),
            Time(record["ReceivedAt"]) ?? throw Missing("ReceivedAt"))
        {
            ResumeStepId = (string?)record["ResumeStepId"],
            StepOutputs = record["StepOutputs"] as JObject,
            Attempt = (int?)record["Attempt"] ?? 1,
            Rebounds = (int?)record["Rebounds"] ?? 0,
            NotBefore = Time(record["NotBefore"]),
        };
    }

    private static string Text(JObject record, string name) => (string?)record[name] ?? throw Missing(name);

    private static DateTimeOffset? Time(JToken? token) =>
        token is null || token.Type == JTokenType.Null ? null : DateTimeOffset.Parse((string)token!, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind);

    private static InvalidDataException Missing(string name) => new($"A stored queued message (of the form before version 1 of the wire form) has no {name}.");
}
