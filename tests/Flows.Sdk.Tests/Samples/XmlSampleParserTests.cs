using Flows.Sdk.Samples;

namespace Flows.Sdk.Tests.Samples;

public class XmlSampleParserTests
{
    private static readonly SampleParseOptions Options = new();
    private readonly XmlSampleParser _parser = new();

    private SampleFormatException Refused(string text, SampleParseOptions? options = null)
    {
        var act = () => _parser.Parse(text, options ?? Options);
        return act.Should().Throw<SampleFormatException>().Which;
    }

    [Test]
    public void Format_is_xml() => _parser.Format.Should().Be("xml");

    [Test]
    public void Parse_returns_the_converted_document_and_its_schema()
    {
        var result = _parser.Parse("""<pet id="7"><name>Rex</name><tag>a</tag><tag>b</tag></pet>""", Options);

        result.Sample.ShouldBeJson("""{"pet": {"@id": "7", "name": "Rex", "tag": ["a", "b"]}}""");
        result.Schema.ShouldBeJson("""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "properties": {
                "pet": {
                  "title": "pet",
                  "type": "object",
                  "properties": {
                    "@id": {"title": "@id", "type": "string"},
                    "name": {"title": "name", "type": "string"},
                    "tag": {"title": "tag", "type": "array", "items": {"type": "string"}}
                  },
                  "required": ["@id", "name", "tag"]
                }
              },
              "required": ["pet"]
            }
            """);
    }

    [Test]
    public void Parse_refuses_malformed_xml_with_line_and_position()
    {
        var error = Refused("<pet>\n  <name>Rex</nam>\n</pet>");

        error.Format.Should().Be("xml");
        error.LineNumber.Should().Be(2);
        error.LinePosition.Should().BeGreaterThan(0);
        error.Message.Should().StartWith("The XML is not well-formed:");
    }

    [TestCase("")]
    [TestCase("  ")]
    public void Parse_refuses_an_empty_sample(string text)
    {
        Refused(text).Message.Should().StartWith("The sample is empty");
    }

    [Test]
    public void Parse_refuses_text_that_is_not_xml()
    {
        Refused("""{"petname": "Rex"}""").Message.Should().StartWith("The XML is not well-formed:");
    }

    [Test]
    public void Parse_refuses_two_root_elements()
    {
        Refused("<a/><b/>").Message.Should().StartWith("The XML is not well-formed:");
    }

    [Test]
    public void Parse_refuses_an_external_entity_declaration_and_resolves_nothing()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE pet [<!ENTITY secret SYSTEM "file:///etc/passwd">]>
            <pet>&secret;</pet>
            """;

        var error = Refused(xxe);

        error.Message.Should().StartWith("The XML declares a document type (DTD) at line 2, position 1.");
        error.Message.Should().Contain("DTDs are not allowed");
        error.LineNumber.Should().Be(2);
        error.LinePosition.Should().Be(1);
    }

    [Test]
    public void Parse_refuses_a_billion_laughs_document()
    {
        const string laughs = """
            <!DOCTYPE lolz [
              <!ENTITY lol "lol">
              <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
              <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
            ]>
            <lolz>&lol3;</lolz>
            """;

        Refused(laughs).Message.Should().StartWith("The XML declares a document type (DTD)");
    }

    [Test]
    public void Parse_refuses_an_undeclared_entity()
    {
        Refused("<pet>&secret;</pet>").Message.Should().StartWith("The XML is not well-formed:");
    }

    [Test]
    public void Parse_refuses_nesting_beyond_the_limit()
    {
        var options = new SampleParseOptions { MaxDepth = 2 };

        var error = Refused("<a>\n<b>\n<c/></b></a>", options);

        error.Message.Should().Be("The XML is nested more than 2 levels deep at line 3, position 2.");
        error.LineNumber.Should().Be(3);
    }

    [Test]
    public void Parse_refuses_100000_nested_elements_without_crashing()
    {
        var text = string.Concat(Enumerable.Repeat("<a>", 100_000));

        Refused(text, new SampleParseOptions { MaxSampleSize = 1_000_000 }).Message.Should().Contain("nested more than 64 levels");
    }

    [Test]
    public void Parse_refuses_a_sample_over_the_size_limit()
    {
        var options = new SampleParseOptions { MaxSampleSize = 5 };

        Refused("<pet/>", options).Message.Should().Be("The sample is 6 characters long, more than the limit of 5 characters.");
    }
}
