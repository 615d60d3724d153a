using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>
/// Builds a plausible sample from a component's out-metadata (a JSON Schema), for "retrieve sample" when the
/// component does not produce one itself.
/// </summary>
/// <remarks>
/// For each schema, the first that applies: <c>const</c>; the first <c>enum</c> value; <c>default</c>; the first of
/// <c>examples</c>; the first of <c>anyOf</c>/<c>oneOf</c>; the objects of <c>allOf</c> merged. Otherwise by
/// <c>type</c> (the first that is not <c>null</c>): a string is a sample for its <c>format</c> (date-time, date,
/// time, email, uri, uuid) or else its <c>title</c> or else <c>"string"</c>; a number or integer is its
/// <c>minimum</c> or <c>0</c>; a boolean is <c>false</c>; an object has every property in <c>properties</c>; an array
/// has one element per <c>prefixItems</c> schema or one element from <c>items</c>. Without a type, <c>properties</c>
/// means an object and <c>items</c> an array; anything else is <c>null</c>. Local <c>$ref</c>s are followed, and
/// a schema already being expanded (a recursive reference) gives <c>null</c>; nesting is cut off after
/// <see cref="MaxDepth"/> levels and the whole sample after <see cref="MaxValues"/> values, so recursive or
/// exponentially branching schemas end quickly.
/// </remarks>
internal static class SampleGenerator
{
    internal const int MaxDepth = 32;

    internal const int MaxValues = 10_000;

    /// <summary>Builds a sample object from <paramref name="schema"/>; a schema that does not describe an object gives an empty object.</summary>
    public static JObject FromSchema(JObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        return Generate(schema, new Context(schema), 1) as JObject ?? new JObject();
    }

    private static JToken Generate(JToken? token, Context context, int depth)
    {
        if (token is not JObject schema || depth > MaxDepth || context.Values++ >= MaxValues)
        {
            return JValue.CreateNull();
        }

        // Keywords beside a $ref (a default, an example) describe this use of the referenced schema, so they come first.
        if (GivenValue(schema) is { } given)
        {
            return given;
        }

        schema = SchemaKeywords.Resolve(schema, context.Root);
        if (!context.Expanding.Add(schema))
        {
            return JValue.CreateNull();
        }

        try
        {
            return GivenValue(schema) ?? GenerateResolved(schema, context, depth);
        }
        finally
        {
            context.Expanding.Remove(schema);
        }
    }

    private static JToken? GivenValue(JObject schema)
    {
        if (schema.TryGetValue("const", out var constant))
        {
            return constant.DeepClone();
        }

        if (schema["enum"] is JArray { Count: > 0 } values)
        {
            return values[0].DeepClone();
        }

        if (schema.TryGetValue("default", out var fallback))
        {
            return fallback.DeepClone();
        }

        return schema["examples"] is JArray { Count: > 0 } examples ? examples[0].DeepClone() : null;
    }

    private static JToken GenerateResolved(JObject schema, Context context, int depth)
    {
        if ((schema["anyOf"] ?? schema["oneOf"]) is JArray { Count: > 0 } choices)
        {
            return Generate(choices[0], context, depth + 1);
        }

        if (schema["allOf"] is JArray { Count: > 0 } parts)
        {
            return GenerateAllOf(schema, parts, context, depth);
        }

        var type = SchemaKeywords.TypesOf(schema).FirstOrDefault(t => t != "null");
        return type switch
        {
            "string" => GenerateString(schema),
            "number" or "integer" => schema["minimum"] is JValue { Type: JTokenType.Integer or JTokenType.Float } minimum ? minimum.DeepClone() : new JValue(0),
            "boolean" => new JValue(false),
            "object" => GenerateObject(schema, context, depth),
            "array" => GenerateArray(schema, context, depth),
            _ => JValue.CreateNull(),
        };
    }

    private static JToken GenerateAllOf(JObject schema, JArray parts, Context context, int depth)
    {
        var merged = new JObject();
        if (schema["properties"] is JObject)
        {
            merged.Merge(GenerateObject(schema, context, depth));
        }

        foreach (var part in parts)
        {
            var value = Generate(part, context, depth + 1);
            if (value is not JObject obj)
            {
                return value;
            }

            merged.Merge(obj);
        }

        return merged;
    }

    private static JValue GenerateString(JObject schema)
    {
        var format = schema["format"] is JValue { Type: JTokenType.String } f ? (string)f! : null;
        return format switch
        {
            "date-time" => new JValue("2024-01-01T00:00:00Z"),
            "date" => new JValue("2024-01-01"),
            "time" => new JValue("00:00:00Z"),
            "email" => new JValue("user@example.com"),
            "uri" or "url" => new JValue("https://example.com/"),
            "uuid" => new JValue("00000000-0000-0000-0000-000000000000"),
            _ => new JValue(schema["title"] is JValue { Type: JTokenType.String } title ? (string)title! : "string"),
        };
    }

    private static JObject GenerateObject(JObject schema, Context context, int depth)
    {
        var result = new JObject();
        if (schema["properties"] is JObject properties)
        {
            foreach (var property in properties.Properties())
            {
                result.Add(property.Name, Generate(property.Value, context, depth + 1));
            }
        }

        return result;
    }

    private static JArray GenerateArray(JObject schema, Context context, int depth)
    {
        var result = new JArray();
        if (schema["prefixItems"] is JArray prefix)
        {
            foreach (var item in prefix)
            {
                result.Add(Generate(item, context, depth + 1));
            }
        }
        else if (schema["items"] is JObject items)
        {
            result.Add(Generate(items, context, depth + 1));
        }

        return result;
    }

    private sealed class Context(JObject root)
    {
        public JObject Root { get; } = root;

        public HashSet<JObject> Expanding { get; } = new(ReferenceEqualityComparer.Instance);

        public int Values { get; set; }
    }
}
