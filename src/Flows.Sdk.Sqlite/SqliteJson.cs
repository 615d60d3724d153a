using Newtonsoft.Json;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// How the queue's messages are written to and read from its <c>data</c> column (Newtonsoft's reflection over
/// <c>QueuedMessage</c>). Every other document of the store is in <see cref="FlowsJson"/>'s form.
/// </summary>
internal static class SqliteJson
{
    // Dates inside payloads stay strings (DateParseHandling.None): a stored message reads back exactly as it was accepted.
    private static readonly JsonSerializerSettings Settings = new()
    {
        DateParseHandling = DateParseHandling.None,
        DateTimeZoneHandling = DateTimeZoneHandling.RoundtripKind,
        FloatParseHandling = FloatParseHandling.Double,
        NullValueHandling = NullValueHandling.Ignore,
        MaxDepth = 256,
    };

    public static string Serialize<T>(T value) => JsonConvert.SerializeObject(value, Formatting.None, Settings);

    public static T Deserialize<T>(string json) =>
        JsonConvert.DeserializeObject<T>(json, Settings) ?? throw new InvalidDataException($"A stored {typeof(T).Name} is empty.");
}
