using Newtonsoft.Json;

namespace Flows.Sdk.Sqlite.Tests.Support;

/// <summary>
/// The form the SQLite store wrote its documents in before schema 5 (Newtonsoft's reflection over the records: PascalCase,
/// enums as numbers, times with their offsets): a private copy, so that the tests can write a file as an older version left it.
/// </summary>
internal static class LegacySqliteJson
{
    private static readonly JsonSerializerSettings Settings = new()
    {
        DateParseHandling = DateParseHandling.None,
        DateTimeZoneHandling = DateTimeZoneHandling.RoundtripKind,
        FloatParseHandling = FloatParseHandling.Double,
        NullValueHandling = NullValueHandling.Ignore,
        MaxDepth = 256,
    };

    public static string Serialize<T>(T value) => JsonConvert.SerializeObject(value, Formatting.None, Settings);
}
