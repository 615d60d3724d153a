namespace Flows.Sdk.Samples;

/// <summary>
/// Turns a sample that a person pastes into a flow's trigger (a JSON document, an XML document or a list of
/// property names) into a normalized JSON sample and the JSON Schema that mapping and validation use.
/// </summary>
/// <remarks>
/// Implementations are stateless and safe to call from many threads at once. The built-in formats are
/// <see cref="SampleFormats.Json"/>, <see cref="SampleFormats.Xml"/> and <see cref="SampleFormats.Properties"/>.
/// </remarks>
public interface ISampleParser
{
    /// <summary>The format this parser reads, in lower case, such as <c>json</c>; formats are matched without regard to case.</summary>
    string Format { get; }

    /// <summary>Parses <paramref name="text"/> into a normalized sample and its schema.</summary>
    /// <param name="text">The sample as the person wrote it.</param>
    /// <param name="options">The limits to enforce.</param>
    /// <returns>The normalized sample and its inferred JSON Schema.</returns>
    /// <exception cref="ArgumentNullException"><paramref name="text"/> or <paramref name="options"/> is <see langword="null"/>.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="options"/> is less than 1.</exception>
    /// <exception cref="SampleFormatException">The text is not a valid sample of this format, or exceeds a limit; the exception says what and where.</exception>
    SampleParseResult Parse(string text, SampleParseOptions options);
}
