using Flows.Sdk.Samples;

namespace Flows.Sdk.Tests.Samples;

public class PropertyListSampleParserTests
{
    private static readonly SampleParseOptions Options = new();
    private readonly PropertyListSampleParser _parser = new();

    private SampleFormatException Refused(string text, SampleParseOptions? options = null)
    {
        var act = () => _parser.Parse(text, options ?? Options);
        return act.Should().Throw<SampleFormatException>().Which;
    }

    [Test]
    public void Format_is_properties() => _parser.Format.Should().Be("properties");

    [Test]
    public void Parse_makes_one_string_property_per_name_whose_value_is_the_name()
    {
        var result = _parser.Parse("petname, petstatus", Options);

        result.Sample.ShouldBeJson("""{"petname": "petname", "petstatus": "petstatus"}""");
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
    public void Parse_trims_whitespace_and_line_breaks()
    {
        _parser.Parse("  petname ,\n\tpet_status-2  ", Options).Sample
            .ShouldBeJson("""{"petname": "petname", "pet_status-2": "pet_status-2"}""");
    }

    [Test]
    public void Parse_nests_dotted_names()
    {
        _parser.Parse("pet.name, pet.status, pet.owner.email, id", Options).Sample
            .ShouldBeJson("""{"pet": {"name": "pet.name", "status": "pet.status", "owner": {"email": "pet.owner.email"}}, "id": "id"}""");
    }

    [Test]
    public void Parse_accepts_letters_beyond_ascii()
    {
        _parser.Parse("prénom, 名前", Options).Sample.Should().ContainKeys("prénom", "名前");
    }

    [TestCase("", "The property list is empty")]
    [TestCase("   ", "The property list is empty")]
    public void Parse_refuses_an_empty_list(string text, string message)
    {
        Refused(text).Message.Should().StartWith(message);
    }

    [Test]
    public void Parse_refuses_an_empty_entry_naming_its_number_and_place()
    {
        var error = Refused("petname, , petstatus");

        error.Message.Should().Be("Entry 2 of the property list is empty at line 1, position 10; remove the extra comma or write a name.");
        error.Entry.Should().Be(string.Empty);
        error.LineNumber.Should().Be(1);
        error.LinePosition.Should().Be(10);
    }

    [Test]
    public void Parse_refuses_a_trailing_comma()
    {
        Refused("petname,").Message.Should().StartWith("Entry 2 of the property list is empty");
    }

    [Test]
    public void Parse_refuses_a_duplicate_naming_it()
    {
        var error = Refused("petname,\npetstatus,\n petname");

        error.Message.Should().Be("The property \"petname\" is listed more than once at line 3, position 2.");
        error.Entry.Should().Be("petname");
        error.LineNumber.Should().Be(3);
        error.LinePosition.Should().Be(2);
    }

    [TestCase("pet name", ' ')]
    [TestCase("pet$", '$')]
    [TestCase("@id", '@')]
    [TestCase("pet/name", '/')]
    [TestCase("\"petname\"", '"')]
    public void Parse_refuses_a_name_with_a_character_outside_the_allowed_set(string name, char bad)
    {
        var error = Refused($"id, {name}");

        error.Entry.Should().Be(name);
        error.Message.Should().Be($"The property name \"{name}\" at line 1, position 5 has the character '{bad}', which is not allowed; names may hold letters, digits, '_', '-' and '.' (a dot nests a property).");
    }

    [TestCase(".pet")]
    [TestCase("pet.")]
    [TestCase("pet..name")]
    public void Parse_refuses_an_empty_dotted_part(string name)
    {
        var error = Refused(name);

        error.Entry.Should().Be(name);
        error.Message.Should().Contain("has an empty part");
    }

    [Test]
    public void Parse_refuses_a_leaf_that_is_also_a_parent()
    {
        var error = Refused("pet, pet.name");

        error.Entry.Should().Be("pet.name");
        error.Message.Should().Be("The property \"pet\" is listed both as a property and as the parent of \"pet.name\" at line 1, position 6; use one or the other.");
    }

    [Test]
    public void Parse_refuses_a_parent_that_is_also_a_leaf()
    {
        var error = Refused("pet.name, pet.owner.id, pet.owner");

        error.Entry.Should().Be("pet.owner");
        error.Message.Should().Contain("\"pet.owner\"").And.Contain("both as a property and as the parent");
    }

    [Test]
    public void Parse_refuses_nesting_beyond_the_limit()
    {
        var options = new SampleParseOptions { MaxDepth = 2 };

        _parser.Parse("a.b", options).Sample.ShouldBeJson("""{"a": {"b": "a.b"}}""");
        var error = Refused("a.b.c", options);

        error.Entry.Should().Be("a.b.c");
        error.Message.Should().Contain("nested more than 2 levels deep");
    }

    [Test]
    public void Parse_refuses_a_list_over_the_size_limit()
    {
        var options = new SampleParseOptions { MaxSampleSize = 8 };

        Refused("petname, petstatus", options).Message.Should().Be("The sample is 18 characters long, more than the limit of 8 characters.");
    }
}
