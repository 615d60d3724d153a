using System.Globalization;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// Checks a mapped input against an action's input metadata before the action runs: <c>required</c>, <c>type</c>
/// (one or several), <c>enum</c>, nested <c>properties</c> and array <c>items</c>. The first violation is reported with the
/// path of the field. Other JSON Schema keywords are left to the action.
/// </summary>
internal static class InputValidator
{
    private const int MaxDepth = 32;

    /// <summary>Returns what is wrong, or <see langword="null"/> when the input fits the schema.</summary>
    public static string? Validate(JObject input, JObject? schema) => schema is null ? null : Check(input, schema, string.Empty, 0);

    private static string? Check(JToken value, JObject schema, string path, int depth)
    {
        if (depth > MaxDepth)
        {
            return null;
        }

        if (schema["type"] is { } type && !Fits(value, type))
        {
            return $"The input field '{Name(path)}' must be {Describe(type)}, but it is {TypeOf(value)}.";
        }

        if (schema["enum"] is JArray allowed && !allowed.Any(a => JToken.DeepEquals(a, value) || SameNumber(a, value)))
        {
            return $"The input field '{Name(path)}' must be one of {string.Join(", ", allowed.Select(a => a.ToString(Newtonsoft.Json.Formatting.None)))}, but it is {value.ToString(Newtonsoft.Json.Formatting.None)}.";
        }

        if (value is JObject obj)
        {
            if (schema["required"] is JArray required)
            {
                foreach (var name in required.Values<string>())
                {
                    if (name is not null && obj[name] is null)
                    {
                        return $"The required input field '{Join(path, name)}' is missing.";
                    }
                }
            }

            if (schema["properties"] is JObject properties)
            {
                foreach (var property in obj.Properties())
                {
                    if (properties[property.Name] is JObject propertySchema && Check(property.Value, propertySchema, Join(path, property.Name), depth + 1) is { } error)
                    {
                        return error;
                    }
                }
            }
        }
        else if (value is JArray array && schema["items"] is JObject items)
        {
            for (var i = 0; i < array.Count; i++)
            {
                if (Check(array[i], items, $"{path}[{i}]", depth + 1) is { } error)
                {
                    return error;
                }
            }
        }

        return null;
    }

    private static bool Fits(JToken value, JToken type) => type switch
    {
        JArray types => types.Any(t => Fits(value, t)),
        JValue { Type: JTokenType.String } name => (string)name! switch
        {
            "string" => value.Type == JTokenType.String,
            "integer" => value.Type == JTokenType.Integer || (value.Type == JTokenType.Float && Math.Abs((double)value % 1) == 0),
            "number" => value.Type is JTokenType.Integer or JTokenType.Float,
            "boolean" => value.Type == JTokenType.Boolean,
            "object" => value.Type == JTokenType.Object,
            "array" => value.Type == JTokenType.Array,
            "null" => value.Type == JTokenType.Null,
            _ => true,
        },
        _ => true,
    };

    private static bool SameNumber(JToken a, JToken b) =>
        a.Type is JTokenType.Integer or JTokenType.Float && b.Type is JTokenType.Integer or JTokenType.Float
        && Convert.ToDouble(((JValue)a).Value, CultureInfo.InvariantCulture) == Convert.ToDouble(((JValue)b).Value, CultureInfo.InvariantCulture);

    private static string Describe(JToken type) => type is JArray types
        ? string.Join(" or ", types.Select(t => Article((string?)t ?? "?")))
        : Article((string?)type ?? "?");

    private static string Article(string type) => type switch
    {
        "integer" or "object" or "array" => "an " + type,
        "null" => "null",
        _ => "a " + type,
    };

    private static string TypeOf(JToken value) => value.Type switch
    {
        JTokenType.String => "a string",
        JTokenType.Integer => "an integer",
        JTokenType.Float => "a number",
        JTokenType.Boolean => "a boolean",
        JTokenType.Object => "an object",
        JTokenType.Array => "an array",
        JTokenType.Null => "null",
        var other => other.ToString().ToLowerInvariant(),
    };

    private static string Join(string path, string name) => path.Length == 0 ? name : $"{path}.{name}";

    private static string Name(string path) => path.Length == 0 ? "(input)" : path;
}
