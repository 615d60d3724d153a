using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Flows;

/// <summary>
/// The shape of the data a step expects or produces, given by example.
/// </summary>
/// <param name="Format">The sample's format: <c>json</c>, <c>xml</c> or <c>properties</c>.</param>
/// <param name="Data">The sample text as the user gave it.</param>
public sealed record SampleDefinition(string Format, string Data)
{
    /// <summary>The sample normalized to JSON, once parsed.</summary>
    public JObject? Sample { get; init; }

    /// <summary>The metadata (a JSON Schema) inferred from the sample, once parsed.</summary>
    public JObject? Schema { get; init; }
}
