using System.Text;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>
/// Flattens a JSON Schema into the list of fields a mapping can read, in schema order.
/// </summary>
/// <remarks>
/// Each path is a JSONata path from the step's output: names joined with <c>.</c>; a name that is not a plain
/// identifier (letters, digits and <c>_</c>, not starting with a digit, not a JSONata keyword) is quoted in backticks,
/// as in <c>pet.`@id`</c> or <c>`pet-name`</c>. An array is listed as <c>name[]</c> and the fields of its elements
/// follow as <c>name[].field</c> (<c>[]</c> keeps the result an array in JSONata). An object is listed, then its fields.
/// Local <c>$ref</c>s are followed, but not into a schema already being listed (a recursive reference lists the
/// field without its children); nesting is cut off after <see cref="MaxDepth"/> levels and the list after
/// <see cref="MaxFields"/> fields.
/// </remarks>
public static class SchemaFields
{
    internal const int MaxDepth = 64;

    internal const int MaxFields = 10_000;

    private static readonly HashSet<string> Keywords = new(StringComparer.Ordinal) { "and", "or", "in", "true", "false", "null", "function" };

    /// <summary>Lists the fields of <paramref name="schema"/>.</summary>
    /// <param name="schema">A JSON Schema (a step's sample schema or an action's output metadata).</param>
    /// <returns>The fields, in schema order.</returns>
    public static IReadOnlyList<SampleField> Flatten(JObject schema)
    {
        ArgumentNullException.ThrowIfNull(schema);
        var fields = new List<SampleField>();
        var expanding = new HashSet<JObject>(ReferenceEqualityComparer.Instance);
        Walk(SchemaKeywords.Resolve(schema, schema), schema, string.Empty, 1, fields, expanding);
        return fields;
    }

    /// <summary>Writes <paramref name="name"/> as a JSONata path step, quoted in backticks when it must be.</summary>
    internal static string Step(string name) => IsPlainName(name) ? name : "`" + name + "`";

    private static void Walk(JObject schema, JObject root, string prefix, int depth, List<SampleField> fields, HashSet<JObject> expanding)
    {
        if (depth > MaxDepth || schema["properties"] is not JObject properties || !expanding.Add(schema))
        {
            return;
        }

        foreach (var property in properties.Properties())
        {
            if (fields.Count >= MaxFields)
            {
                break;
            }

            var child = property.Value is JObject obj ? SchemaKeywords.Resolve(obj, root) : new JObject();
            var types = SchemaKeywords.TypesOf(child);
            var path = prefix + Step(property.Name);
            var isArray = types.Contains("array");
            var isObject = types.Contains("object");
            var type = types.Count == 0 ? "any" : string.Join('|', types);
            fields.Add(new SampleField(isArray && !isObject ? path + "[]" : path, type, child["title"] is JValue { Type: JTokenType.String } title ? (string)title! : null));

            if (isObject)
            {
                Walk(child, root, path + ".", depth + 1, fields, expanding);
            }

            if (isArray && child["items"] is JObject items)
            {
                Walk(SchemaKeywords.Resolve(items, root), root, path + "[].", depth + 1, fields, expanding);
            }
        }

        expanding.Remove(schema);
    }

    private static bool IsPlainName(string name)
    {
        if (name.Length == 0 || Keywords.Contains(name) || char.IsAsciiDigit(name[0]))
        {
            return false;
        }

        foreach (var c in name)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c != '_')
            {
                return false;
            }
        }

        return true;
    }
}
