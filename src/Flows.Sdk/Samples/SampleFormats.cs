namespace Flows.Sdk.Samples;

/// <summary>The names of the built-in sample formats.</summary>
public static class SampleFormats
{
    /// <summary>A JSON object.</summary>
    public const string Json = "json";

    /// <summary>An XML document, converted to JSON by the same convention as XML request bodies.</summary>
    public const string Xml = "xml";

    /// <summary>A comma-separated list of property names, such as <c>petname, petstatus</c>; dots make nested objects.</summary>
    public const string Properties = "properties";
}
