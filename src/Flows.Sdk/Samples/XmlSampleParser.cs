namespace Flows.Sdk.Samples;

/// <summary>Reads an XML document and converts it with <see cref="XmlJsonConverter"/>, the converter XML request bodies use.</summary>
internal sealed class XmlSampleParser : ISampleParser
{
    public string Format => SampleFormats.Xml;

    public SampleParseResult Parse(string text, SampleParseOptions options)
    {
        SampleLimits.CheckArguments(text, options);
        SampleLimits.CheckSize(Format, text, options);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SampleFormatException(Format, "The sample is empty; it must be an XML document, such as <pet><name>Rex</name></pet>.");
        }

        var sample = XmlJsonConverter.Convert(new StringReader(text), options.MaxDepth);
        return new SampleParseResult(sample, SchemaInference.Infer(sample));
    }
}
