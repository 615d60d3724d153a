using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

public class SchemaInferenceTests
{
    private static JObject Infer(string json) => SchemaInference.Infer(JObject.Parse(json));

    [Test]
    public void Every_json_type_is_named()
    {
        Infer("""{"s": "x", "i": 1, "n": 1.5, "b": true, "z": null, "o": {}, "a": []}""").ShouldBeJson("""
            {
              "$schema": "https://json-schema.org/draft/2020-12/schema",
              "type": "object",
              "properties": {
                "s": {"title": "s", "type": "string"},
                "i": {"title": "i", "type": "integer"},
                "n": {"title": "n", "type": "number"},
                "b": {"title": "b", "type": "boolean"},
                "z": {"title": "z", "type": "null"},
                "o": {"title": "o", "type": "object", "properties": {}},
                "a": {"title": "a", "type": "array"}
              },
              "required": ["s", "i", "n", "b", "z", "o", "a"]
            }
            """);
    }

    [Test]
    public void Nested_objects_get_their_own_properties()
    {
        Infer("""{"pet": {"name": "Rex", "owner": {"email": "a@b.c"}}}""")["properties"]!["pet"].ShouldBeJson("""
            {
              "title": "pet",
              "type": "object",
              "properties": {
                "name": {"title": "name", "type": "string"},
                "owner": {
                  "title": "owner",
                  "type": "object",
                  "properties": {"email": {"title": "email", "type": "string"}},
                  "required": ["email"]
                }
              },
              "required": ["name", "owner"]
            }
            """);
    }

    [Test]
    public void Array_items_merge_objects_property_by_property_and_require_only_what_every_element_has()
    {
        var schema = Infer("""{"tags": [{"id": 1, "name": "a"}, {"id": 2, "color": "red"}, {"id": 3, "name": null}]}""");

        schema["properties"]!["tags"].ShouldBeJson("""
            {
              "title": "tags",
              "type": "array",
              "items": {
                "type": "object",
                "properties": {
                  "id": {"title": "id", "type": "integer"},
                  "name": {"title": "name", "type": ["string", "null"]},
                  "color": {"title": "color", "type": "string"}
                },
                "required": ["id"]
              }
            }
            """);
    }

    [Test]
    public void Heterogeneous_elements_list_every_type_in_a_fixed_order()
    {
        var schema = Infer("""{"mixed": [null, true, "x", 1, {"a": 1}, [1]]}""");

        schema["properties"]!["mixed"]!["items"].ShouldBeJson("""
            {
              "type": ["object", "array", "string", "integer", "boolean", "null"],
              "properties": {"a": {"title": "a", "type": "integer"}},
              "required": ["a"],
              "items": {"type": "integer"}
            }
            """);
    }

    [Test]
    public void Integers_merged_with_fractions_are_numbers()
    {
        Infer("""{"weights": [1, 2.5, 3]}""")["properties"]!["weights"]!["items"].ShouldBeJson("""{"type": "number"}""");
    }

    [Test]
    public void Nested_arrays_merge_item_by_item()
    {
        Infer("""{"m": [[1, 2], [], ["x"]]}""")["properties"]!["m"]!["items"].ShouldBeJson("""
            {"type": "array", "items": {"type": ["string", "integer"]}}
            """);
    }

    [Test]
    public void An_empty_array_has_no_items()
    {
        Infer("""{"tags": []}""")["properties"]!["tags"].ShouldBeJson("""{"title": "tags", "type": "array"}""");
    }

    [Test]
    public void Arrays_of_objects_inside_arrays_of_objects_are_merged_at_every_level()
    {
        var schema = Infer("""{"pets": [{"tags": [{"n": "a"}]}, {"tags": [{"n": "b", "c": 1}]}]}""");

        schema["properties"]!["pets"]!["items"]!["properties"]!["tags"]!["items"].ShouldBeJson("""
            {
              "type": "object",
              "properties": {"n": {"title": "n", "type": "string"}, "c": {"title": "c", "type": "integer"}},
              "required": ["n"]
            }
            """);
    }
}
