using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

public class SchemaFieldsTests
{
    private static IEnumerable<string> Fields(JObject schema) =>
        SchemaFields.Flatten(schema).Select(f => $"{f.Path}: {f.Type}");

    [Test]
    public void Flatten_lists_top_level_fields_with_their_types()
    {
        var schema = SchemaInference.Infer(JObject.Parse("""{"petname": "Rex", "age": 3}"""));

        Fields(schema).Should().Equal("petname: string", "age: integer");
    }

    [Test]
    public void Flatten_lists_objects_then_their_fields_and_arrays_with_brackets()
    {
        var schema = SchemaInference.Infer(JObject.Parse("""
            {"pet": {"name": "Rex", "tags": [{"name": "a", "weight": 1.5}], "aliases": ["R"], "owner": null}}
            """));

        Fields(schema).Should().Equal(
            "pet: object",
            "pet.name: string",
            "pet.tags[]: array",
            "pet.tags[].name: string",
            "pet.tags[].weight: number",
            "pet.aliases[]: array",
            "pet.owner: null");
    }

    [Test]
    public void Flatten_quotes_names_that_are_not_plain_identifiers_in_backticks()
    {
        var schema = SchemaInference.Infer(JObject.Parse("""
            {"pet": {"@id": "7", "name": {"@lang": "en", "#text": "Rex"}, "pet-name": "x", "x:tag": "y", "2nd": "z", "and": "w", "é": "v"}}
            """));

        SchemaFields.Flatten(schema).Select(f => f.Path).Should().Equal(
            "pet",
            "pet.`@id`",
            "pet.name",
            "pet.name.`@lang`",
            "pet.name.`#text`",
            "pet.`pet-name`",
            "pet.`x:tag`",
            "pet.`2nd`",
            "pet.`and`",
            "pet.`é`");
    }

    [Test]
    public void Flatten_joins_several_types_with_a_bar_and_keeps_titles()
    {
        var schema = JObject.Parse("""
            {"type": "object", "properties": {"name": {"type": ["string", "null"], "title": "Pet name"}, "any": {}}}
            """);

        SchemaFields.Flatten(schema).Should().Equal(
            new SampleField("name", "string|null", "Pet name"),
            new SampleField("any", "any", null));
    }

    [Test]
    public void Flatten_follows_local_references_and_stops_on_recursive_ones()
    {
        var schema = JObject.Parse("""
            {
              "type": "object",
              "properties": {"pet": {"$ref": "#/$defs/pet"}},
              "$defs": {"pet": {"type": "object", "properties": {"name": {"type": "string"}, "parent": {"$ref": "#/$defs/pet"}}}}
            }
            """);

        Fields(schema).Should().Equal("pet: object", "pet.name: string", "pet.parent: object");
    }

    [Test]
    public void Flatten_of_an_exponentially_branching_schema_is_cut_off()
    {
        var defs = new JObject();
        for (var i = 0; i < 40; i++)
        {
            defs[$"d{i}"] = new JObject
            {
                ["type"] = "object",
                ["properties"] = new JObject { ["a"] = new JObject { ["$ref"] = $"#/$defs/d{i + 1}" }, ["b"] = new JObject { ["$ref"] = $"#/$defs/d{i + 1}" } },
            };
        }

        var schema = new JObject { ["type"] = "object", ["properties"] = new JObject { ["root"] = new JObject { ["$ref"] = "#/$defs/d0" } }, ["$defs"] = defs };

        SchemaFields.Flatten(schema).Count.Should().BeLessThanOrEqualTo(SchemaFields.MaxFields);
    }

    [Test]
    public void Flatten_of_a_schema_without_properties_is_empty()
    {
        SchemaFields.Flatten(JObject.Parse("""{"type": "string"}""")).Should().BeEmpty();
    }
}
