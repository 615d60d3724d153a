namespace Flows.Sdk.Samples;

/// <summary>
/// Finds the parser for a sample's format, for the flow API (<c>POST /api/samples/parse</c> and a trigger's sample).
/// Formats are matched without regard to case; when two parsers claim one format, the one registered last wins, so a
/// host can replace a built-in parser.
/// </summary>
internal sealed class SampleParserSelector : ISampleParserCatalog
{
    private readonly Dictionary<string, ISampleParser> _parsers = new(StringComparer.OrdinalIgnoreCase);

    public SampleParserSelector(IEnumerable<ISampleParser> parsers)
    {
        ArgumentNullException.ThrowIfNull(parsers);
        foreach (var parser in parsers)
        {
            _parsers[parser.Format] = parser;
        }
    }

    /// <summary>The formats known, in lower case, sorted.</summary>
    public IReadOnlyList<string> Formats => _parsers.Keys.Select(k => k.ToLowerInvariant()).Order(StringComparer.Ordinal).ToArray();

    /// <summary>A selector over the three built-in parsers: <c>json</c>, <c>xml</c> and <c>properties</c>.</summary>
    public static SampleParserSelector CreateDefault() =>
        new([new JsonSampleParser(), new XmlSampleParser(), new PropertyListSampleParser()]);

    public bool TryGet(string format, out ISampleParser parser)
    {
        ArgumentNullException.ThrowIfNull(format);
        return _parsers.TryGetValue(format.Trim(), out parser!);
    }

    /// <summary>Parses <paramref name="text"/> with the parser for <paramref name="format"/>.</summary>
    /// <exception cref="SampleFormatException">The format is unknown, or the text is not a valid sample of it.</exception>
    public SampleParseResult Parse(string format, string text, SampleParseOptions options)
    {
        if (!TryGet(format, out var parser))
        {
            throw new SampleFormatException(format, $"The sample format \"{format}\" is not known; use one of: {string.Join(", ", Formats)}.");
        }

        return parser.Parse(text, options);
    }
}
