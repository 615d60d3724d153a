namespace Flows.Sdk.Samples;

/// <summary>Checks shared by the built-in parsers.</summary>
internal static class SampleLimits
{
    public static void CheckArguments(string text, SampleParseOptions options)
    {
        ArgumentNullException.ThrowIfNull(text);
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxSampleSize < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxSampleSize, "SampleParseOptions.MaxSampleSize must be at least 1.");
        }

        if (options.MaxDepth < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxDepth, "SampleParseOptions.MaxDepth must be at least 1.");
        }
    }

    public static void CheckSize(string format, string text, SampleParseOptions options)
    {
        if (text.Length > options.MaxSampleSize)
        {
            throw new SampleFormatException(
                format,
                $"The sample is {text.Length} characters long, more than the limit of {options.MaxSampleSize} characters.");
        }
    }

    public static SampleFormatException TooDeep(string format, int maxDepth, int? line, int? position) =>
        new(format, $"The {Describe(format)} is nested more than {maxDepth} levels deep{At(line, position)}.", line, position);

    public static string At(int? line, int? position) =>
        line is > 0 ? $" at line {line}, position {position}" : string.Empty;

    private static string Describe(string format) => format switch
    {
        SampleFormats.Json => "JSON",
        SampleFormats.Xml => "XML",
        _ => "sample",
    };
}
