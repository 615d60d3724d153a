using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

public class JsonSampleParserTests
{
    private static readonly SampleParseOptions Options = new();
    private readonly JsonSampleParser _parser = new();

    private SampleFormatException Refused(string text, SampleParseOptions? options = null)
    {
        var act = () => _parser.Parse(text, options ?? Options);
        return act.Should().Throw<SampleFormatException>().Which;
    }

    [Test]
    public void Format_is_json() => _parser.Format.Should().Be("json");

    [Test]
    public void Parse_returns_the_object_and_its_schema()
    {
        var result = _parser.Parse("""{"petname": "Rex", "petstatus": "available"}""", Options);

        result.Sample.ShouldBeJson("""{"petname": "Rex", "petstatus": "available"}""");
        result.Schema.ShouldBeJson("""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "properties": {
                "petname": {"title": "petname", "type": "string"},
                "petstatus": {"title": "petstatus", "type": "string"}
              },
              "required": ["petname", "petstatus"]
            }
            """);
    }

    [Test]
    public void Parse_keeps_date_like_strings_as_strings()
    {
        var result = _parser.Parse("""{"born": "2020-01-02T03:04:05Z"}""", Options);

        result.Sample["born"]!.Type.Should().Be(JTokenType.String);
        ((string)result.Sample["born"]!).Should().Be("2020-01-02T03:04:05Z");
    }

    [Test]
    public void Parse_reads_fractions_as_doubles_and_whole_numbers_as_integers()
    {
        var result = _parser.Parse("""{"weight": 12.5, "age": 3, "huge": 123456789012345678901234567890}""", Options);

        result.Sample["weight"]!.Type.Should().Be(JTokenType.Float);
        result.Sample["weight"]!.Value<double>().Should().Be(12.5);
        result.Sample["age"]!.Type.Should().Be(JTokenType.Integer);
        result.Sample["huge"]!.Type.Should().Be(JTokenType.Integer);
    }

    [TestCase("[1, 2]", "an array")]
    [TestCase("\"pet\"", "a string")]
    [TestCase("42", "a number")]
    [TestCase("4.2", "a number")]
    [TestCase("true", "a boolean")]
    [TestCase("null", "null")]
    public void Parse_refuses_a_sample_that_is_not_an_object(string text, string what)
    {
        Refused(text).Message.Should().Be($"The sample must be a JSON object, but it is {what}.");
    }

    [TestCase("")]
    [TestCase("   \n ")]
    public void Parse_refuses_an_empty_sample(string text)
    {
        Refused(text).Message.Should().StartWith("The sample is empty");
    }

    [Test]
    public void Parse_refuses_malformed_json_with_line_and_position()
    {
        var error = Refused("{\n  \"a\": 1,\n  \"b\": tru\n}");

        error.Format.Should().Be("json");
        error.LineNumber.Should().Be(3);
        error.LinePosition.Should().NotBeNull();
        error.Message.Should().StartWith("The sample is not valid JSON:").And.Contain("line 3");
    }

    [Test]
    public void Parse_refuses_an_unterminated_object()
    {
        var error = Refused("{\"a\": {\"b\": 1}");

        error.Message.Should().Contain("ends before the sample is complete");
    }

    [Test]
    public void Parse_refuses_a_duplicate_property_naming_it_and_its_place()
    {
        var error = Refused("{\"a\": 1,\n \"a\": 2}");

        error.Message.Should().Be("The property \"a\" appears more than once in the same object at line 2, position 5; each name may appear only once.");
        error.LineNumber.Should().Be(2);
    }

    [Test]
    public void Parse_accepts_the_same_name_in_different_objects()
    {
        var result = _parser.Parse("""{"a": {"id": 1}, "b": {"id": 2}}""", Options);

        result.Sample.ShouldBeJson("""{"a": {"id": 1}, "b": {"id": 2}}""");
    }

    [Test]
    public void Parse_refuses_text_after_the_object()
    {
        var error = Refused("{\"a\": 1} {\"b\": 2}");

        error.Message.Should().Contain("not valid JSON");
        error.LineNumber.Should().Be(1);
    }

    [Test]
    public void Parse_refuses_comments()
    {
        Refused("{\"a\": 1 /* note */}").Message.Should().Contain("comments are not allowed");
    }

    [TestCase("{\"a\": NaN}")]
    [TestCase("{\"a\": Infinity}")]
    [TestCase("{\"a\": 1e999}")]
    public void Parse_refuses_numbers_that_are_not_finite(string text)
    {
        Refused(text).Message.Should().Contain("not a finite JSON number");
    }

    [Test]
    public void Parse_accepts_nesting_up_to_the_limit()
    {
        var options = new SampleParseOptions { MaxDepth = 3 };

        var result = _parser.Parse("""{"a": {"b": [1]}}""", options);

        result.Sample.ShouldBeJson("""{"a": {"b": [1]}}""");
    }

    [Test]
    public void Parse_refuses_nesting_beyond_the_limit()
    {
        var options = new SampleParseOptions { MaxDepth = 3 };

        var error = Refused("""{"a": {"b": [[1]]}}""", options);

        error.Message.Should().Be("The JSON is nested more than 3 levels deep at line 1, position 14.");
        error.LineNumber.Should().Be(1);
    }

    [Test]
    public void Parse_refuses_100000_nested_arrays_without_crashing()
    {
        var text = "{\"a\":" + new string('[', 100_000);

        Refused(text).Message.Should().Contain("nested more than 64 levels");
    }

    [Test]
    public void Parse_refuses_a_sample_over_the_size_limit()
    {
        var options = new SampleParseOptions { MaxSampleSize = 10 };

        var error = Refused("""{"petname": "Rex"}""", options);

        error.Message.Should().Be("The sample is 18 characters long, more than the limit of 10 characters.");
        error.LineNumber.Should().BeNull();
    }

    [Test]
    public void Parse_accepts_a_sample_exactly_at_the_size_limit()
    {
        var options = new SampleParseOptions { MaxSampleSize = 18 };

        _parser.Parse("""{"petname": "Rex"}""", options).Sample.Should().ContainKey("petname");
    }

    [Test]
    public void Parse_checks_its_arguments()
    {
        ((Action)(() => _parser.Parse(null!, Options))).Should().Throw<ArgumentNullException>();
        ((Action)(() => _parser.Parse("{}", null!))).Should().Throw<ArgumentNullException>();
    }
}
