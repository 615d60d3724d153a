using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

public class SampleGeneratorTests
{
    private static JObject Generate(string schema) => SampleGenerator.FromSchema(JObject.Parse(schema));

    [Test]
    public void Each_type_gets_a_plain_value()
    {
        Generate("""
            {
              "type": "object",
              "properties": {
                "name": {"type": "string"},
                "age": {"type": "integer"},
                "weight": {"type": "number"},
                "good": {"type": "boolean"},
                "nothing": {"type": "null"},
                "tags": {"type": "array", "items": {"type": "string"}},
                "owner": {"type": "object", "properties": {"email": {"type": "string", "format": "email"}}}
              }
            }
            """).ShouldBeJson("""
            {"name": "string", "age": 0, "weight": 0, "good": false, "nothing": null, "tags": ["string"], "owner": {"email": "user@example.com"}}
            """);
    }

    [Test]
    public void Titles_enums_consts_defaults_and_examples_are_preferred()
    {
        Generate("""
            {
              "properties": {
                "name": {"type": "string", "title": "Pet name"},
                "status": {"type": "string", "enum": ["available", "pending", "sold"]},
                "kind": {"const": "dog"},
                "count": {"type": "integer", "default": 5},
                "id": {"type": "integer", "examples": [42, 43]},
                "min": {"type": "number", "minimum": 3}
              }
            }
            """).ShouldBeJson("""{"name": "Pet name", "status": "available", "kind": "dog", "count": 5, "id": 42, "min": 3}""");
    }

    [Test]
    public void Nullable_types_use_the_type_that_is_not_null()
    {
        Generate("""{"properties": {"name": {"type": ["null", "string"]}}}""").ShouldBeJson("""{"name": "string"}""");
    }

    [Test]
    public void Arrays_of_objects_get_one_element()
    {
        Generate("""
            {"type": "object", "properties": {"pets": {"type": "array", "items": {"type": "object", "properties": {"id": {"type": "integer"}}}}}}
            """).ShouldBeJson("""{"pets": [{"id": 0}]}""");
    }

    [Test]
    public void Prefix_items_give_one_element_each()
    {
        Generate("""{"properties": {"pair": {"type": "array", "prefixItems": [{"type": "string"}, {"type": "boolean"}]}}}""")
            .ShouldBeJson("""{"pair": ["string", false]}""");
    }

    [Test]
    public void AnyOf_takes_the_first_choice_and_allOf_merges_objects()
    {
        Generate("""
            {
              "allOf": [
                {"properties": {"id": {"type": "integer"}}},
                {"properties": {"name": {"anyOf": [{"type": "string"}, {"type": "integer"}]}}}
              ]
            }
            """).ShouldBeJson("""{"id": 0, "name": "string"}""");
    }

    [Test]
    public void Local_references_are_followed_and_recursion_is_cut_off()
    {
        var sample = Generate("""
            {
              "$ref": "#/$defs/node",
              "$defs": {"node": {"type": "object", "properties": {"name": {"type": "string"}, "child": {"$ref": "#/$defs/node"}}}}
            }
            """);

        sample.ShouldBeJson("""{"name": "string", "child": null}""");
    }

    [Test]
    public void An_exponentially_branching_schema_is_cut_off_quickly()
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

        var schema = new JObject { ["$ref"] = "#/$defs/d0", ["$defs"] = defs };

        var sample = SampleGenerator.FromSchema(schema);

        sample.DescendantsAndSelf().Count().Should().BeLessThan(5 * SampleGenerator.MaxValues, "each value is at most a property, the value and its container");
    }

    [Test]
    public void A_default_beside_a_reference_wins_over_the_referenced_schema()
    {
        Generate("""
            {"properties": {"status": {"$ref": "#/$defs/status", "default": "sold"}}, "$defs": {"status": {"type": "string", "enum": ["available"]}}}
            """).ShouldBeJson("""{"status": "sold"}""");
    }

    [Test]
    public void A_schema_that_is_not_an_object_gives_an_empty_object()
    {
        Generate("""{"type": "string"}""").ShouldBeJson("{}");
    }

    [Test]
    public void An_inferred_schema_round_trips_to_a_sample_of_the_same_shape()
    {
        var original = JObject.Parse("""{"pet": {"name": "Rex", "tags": [{"id": 1}], "good": true}}""");

        var generated = SampleGenerator.FromSchema(SchemaInference.Infer(original));

        generated.ShouldBeJson("""{"pet": {"name": "name", "tags": [{"id": 0}], "good": false}}""");
    }
}
