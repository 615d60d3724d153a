using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>The outcome of parsing a sample: the normalized sample and the metadata inferred from it.</summary>
public sealed class SampleParseResult
{
    /// <summary>Creates a result.</summary>
    /// <param name="sample">The normalized sample.</param>
    /// <param name="schema">The JSON Schema (draft 2020-12) that describes the sample.</param>
    /// <exception cref="ArgumentNullException"><paramref name="sample"/> or <paramref name="schema"/> is <see langword="null"/>.</exception>
    public SampleParseResult(JObject sample, JObject schema)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(schema);
        Sample = sample;
        Schema = schema;
    }

    /// <summary>
    /// The sample as JSON: what the trigger's output looks like. An XML sample has the shape an XML request body
    /// gets; a property list has one string per property.
    /// </summary>
    public JObject Sample { get; }

    /// <summary>The JSON Schema (draft 2020-12) inferred from <see cref="Sample"/>; it is the trigger's out-metadata.</summary>
    public JObject Schema { get; }
}
