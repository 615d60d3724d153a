using System.Reflection;
using Flows.Sdk.Samples;

namespace Flows.Sdk.Tests.Samples;

/// <summary>The public surface of <c>Flows.Sdk.Samples</c>, so a change to it is seen in review.</summary>
public class SamplesPublicApiTests
{
    [Test]
    public void The_public_types_are_the_parser_contract_and_its_options_result_and_error()
    {
        typeof(ISampleParser).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Flows.Sdk.Samples")
            .Select(t => t.Name)
            .Order(StringComparer.Ordinal)
            .Should().Equal("ISampleParser", "SampleFormatException", "SampleFormats", "SampleParseOptions", "SampleParseResult");
    }

    [Test]
    public void The_public_members_are_these()
    {
        var members = typeof(ISampleParser).Assembly.GetExportedTypes()
            .Where(t => t.Namespace == "Flows.Sdk.Samples")
            .SelectMany(t => t.GetMembers(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly)
                .Select(m => $"{t.Name}.{m}"))
            .Order(StringComparer.Ordinal);

        members.Should().Equal(
            "ISampleParser.Flows.Sdk.Samples.SampleParseResult Parse(System.String, Flows.Sdk.Samples.SampleParseOptions)",
            "ISampleParser.System.String Format",
            "ISampleParser.System.String get_Format()",
            "SampleFormatException.System.Nullable`1[System.Int32] LineNumber",
            "SampleFormatException.System.Nullable`1[System.Int32] LinePosition",
            "SampleFormatException.System.Nullable`1[System.Int32] get_LineNumber()",
            "SampleFormatException.System.Nullable`1[System.Int32] get_LinePosition()",
            "SampleFormatException.System.String Entry",
            "SampleFormatException.System.String Format",
            "SampleFormatException.System.String MessageWithLocation",
            "SampleFormatException.System.String get_Entry()",
            "SampleFormatException.System.String get_Format()",
            "SampleFormatException.System.String get_MessageWithLocation()",
            "SampleFormatException.Void .ctor(System.String, System.String, System.Nullable`1[System.Int32], System.Nullable`1[System.Int32], System.String, System.Exception)",
            "SampleFormats.System.String Json",
            "SampleFormats.System.String Properties",
            "SampleFormats.System.String Xml",
            "SampleParseOptions.Int32 DefaultMaxDepth",
            "SampleParseOptions.Int32 DefaultMaxSampleSize",
            "SampleParseOptions.Int32 MaxDepth",
            "SampleParseOptions.Int32 MaxSampleSize",
            "SampleParseOptions.Int32 get_MaxDepth()",
            "SampleParseOptions.Int32 get_MaxSampleSize()",
            "SampleParseOptions.Void .ctor()",
            "SampleParseOptions.Void set_MaxDepth(Int32)",
            "SampleParseOptions.Void set_MaxSampleSize(Int32)",
            "SampleParseResult.Newtonsoft.Json.Linq.JObject Sample",
            "SampleParseResult.Newtonsoft.Json.Linq.JObject Schema",
            "SampleParseResult.Newtonsoft.Json.Linq.JObject get_Sample()",
            "SampleParseResult.Newtonsoft.Json.Linq.JObject get_Schema()",
            "SampleParseResult.Void .ctor(Newtonsoft.Json.Linq.JObject, Newtonsoft.Json.Linq.JObject)");
    }
}
