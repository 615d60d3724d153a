namespace Flows.Sdk.Samples;

/// <summary>
/// The sample parsers known to the host, by format (<c>json</c>, <c>xml</c>, <c>properties</c> and every
/// <see cref="ISampleParser"/> registered): formats match without regard to case, and when two parsers claim one format the
/// one registered last wins, so a host can replace a built-in parser. Registered as a singleton by
/// <c>AddWebhookFlowsCore</c>; the management API parses <c>POST /api/samples/parse</c> with it.
/// </summary>
public interface ISampleParserCatalog
{
    /// <summary>The formats known, in lower case, sorted.</summary>
    IReadOnlyList<string> Formats { get; }

    /// <summary>Finds the parser for <paramref name="format"/> (surrounding white space ignored).</summary>
    /// <param name="format">The format's name.</param>
    /// <param name="parser">The parser, when found.</param>
    /// <returns>Whether a parser handles the format.</returns>
    bool TryGet(string format, out ISampleParser parser);

    /// <summary>Parses <paramref name="text"/> with the parser for <paramref name="format"/>.</summary>
    /// <param name="format">The sample's format.</param>
    /// <param name="text">The sample's text.</param>
    /// <param name="options">The size and depth limits.</param>
    /// <returns>The sample as JSON and its inferred schema.</returns>
    /// <exception cref="SampleFormatException">The format is unknown, or the text is not a valid sample of it.</exception>
    SampleParseResult Parse(string format, string text, SampleParseOptions options);
}
