using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

public class SampleParserSelectorTests
{
    private static readonly SampleParseOptions Options = new();

    [Test]
    public void The_default_selector_knows_the_three_built_in_formats()
    {
        SampleParserSelector.CreateDefault().Formats.Should().Equal("json", "properties", "xml");
    }

    [TestCase("json", """{"petname": "Rex"}""")]
    [TestCase("XML", "<petname>Rex</petname>")]
    [TestCase(" Properties ", "petname")]
    public void Parse_uses_the_parser_for_the_format_whatever_its_case(string format, string text)
    {
        SampleParserSelector.CreateDefault().Parse(format, text, Options).Sample.Should().ContainKey("petname");
    }

    [Test]
    public void Parse_refuses_an_unknown_format_listing_the_known_ones()
    {
        var act = () => SampleParserSelector.CreateDefault().Parse("yaml", "petname: Rex", Options);

        act.Should().Throw<SampleFormatException>()
            .WithMessage("The sample format \"yaml\" is not known; use one of: json, properties, xml.");
    }

    [Test]
    public void A_parser_registered_later_replaces_a_built_in_one()
    {
        var selector = new SampleParserSelector([new JsonSampleParser(), new FixedParser()]);

        selector.Parse("json", "anything", Options).Sample.Should().ContainKey("fixed");
    }

    private sealed class FixedParser : ISampleParser
    {
        public string Format => "json";

        public SampleParseResult Parse(string text, SampleParseOptions options) =>
            new(new JObject { ["fixed"] = true }, new JObject());
    }
}
