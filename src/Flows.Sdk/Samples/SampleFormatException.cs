namespace Flows.Sdk.Samples;

/// <summary>
/// A sample (or an XML request body) is not valid for its format, or exceeds a limit.
/// The message says what is wrong and where; <see cref="LineNumber"/>, <see cref="LinePosition"/> and
/// <see cref="Entry"/> say where for programs.
/// </summary>
public sealed class SampleFormatException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="format">The format being read, such as <c>json</c>.</param>
    /// <param name="message">What is wrong and where, for a person.</param>
    /// <param name="lineNumber">The 1-based line of the problem, when known.</param>
    /// <param name="linePosition">The 1-based character position in that line, when known.</param>
    /// <param name="entry">For a property list, the entry at fault.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SampleFormatException(string format, string message, int? lineNumber = null, int? linePosition = null, string? entry = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Format = format;
        LineNumber = lineNumber;
        LinePosition = linePosition;
        Entry = entry;
    }

    /// <summary>The format being read, such as <c>json</c>, <c>xml</c> or <c>properties</c>.</summary>
    public string Format { get; }

    /// <summary>The 1-based line of the problem, or <see langword="null"/> when it is not about one place.</summary>
    public int? LineNumber { get; }

    /// <summary>The 1-based character position of the problem in its line, or <see langword="null"/> when unknown.</summary>
    public int? LinePosition { get; }

    /// <summary>For a property list, the entry at fault (trimmed), or <see langword="null"/>.</summary>
    public string? Entry { get; }

    /// <summary>The message with the place it is about: "(line L, position P)" or "(entry 'E')" when known.</summary>
    public string MessageWithLocation => (LineNumber, LinePosition, Entry) switch
    {
        ({ } line, { } position, _) when !Message.Contains($"line {line}", StringComparison.Ordinal) => $"{Message} (line {line}, position {position})",
        (_, _, { } entry) when !Message.Contains(entry, StringComparison.Ordinal) => $"{Message} (entry '{entry}')",
        _ => Message,
    };
}
