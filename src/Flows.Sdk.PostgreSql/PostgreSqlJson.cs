using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.PostgreSql;

/// <summary>Reads the JSON the store keeps (payloads, snapshots, documents) as it was written: dates inside stay strings.</summary>
internal static class PostgreSqlJson
{
    public static JToken Parse(string json)
    {
        using var reader = new JsonTextReader(new StringReader(json))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            MaxDepth = 256,
        };
        return JToken.Load(reader);
    }

    public static JObject ParseObject(string json) =>
        Parse(json) as JObject ?? throw new InvalidDataException("A stored JSON document is not an object.");

    public static string Write(JToken token) => token.ToString(Formatting.None);
}
