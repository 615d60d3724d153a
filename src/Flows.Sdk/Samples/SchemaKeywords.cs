using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>Reading helpers for JSON Schema documents written by others (component metadata, inferred schemas).</summary>
internal static class SchemaKeywords
{
    /// <summary>The type names of <paramref name="schema"/>: its <c>type</c>, or what its keywords imply, or none when anything goes.</summary>
    public static IReadOnlyList<string> TypesOf(JObject schema)
    {
        switch (schema["type"])
        {
            case JValue { Type: JTokenType.String } single:
                return [(string)single!];
            case JArray many:
                return many.Where(t => t.Type == JTokenType.String).Select(t => (string)t!).Distinct(StringComparer.Ordinal).ToArray();
        }

        if (schema["properties"] is JObject)
        {
            return ["object"];
        }

        if (schema["items"] is JObject || schema["prefixItems"] is JArray)
        {
            return ["array"];
        }

        return [];
    }

    /// <summary>
    /// Follows a local <c>$ref</c> (<c>#</c>, <c>#/$defs/pet</c> and other JSON pointers into <paramref name="root"/>);
    /// other references are left as they are. Gives up after a few hops so reference loops end.
    /// </summary>
    public static JObject Resolve(JObject schema, JObject root)
    {
        for (var hops = 0; hops < 16 && schema["$ref"] is JValue { Type: JTokenType.String } reference; hops++)
        {
            var target = ResolvePointer(root, (string)reference!);
            if (target is not JObject next)
            {
                break;
            }

            schema = next;
        }

        return schema;
    }

    private static JToken? ResolvePointer(JObject root, string reference)
    {
        if (!reference.StartsWith('#'))
        {
            return null;
        }

        var pointer = Uri.UnescapeDataString(reference[1..]);
        if (pointer.Length == 0)
        {
            return root;
        }

        if (pointer[0] != '/')
        {
            return null;
        }

        JToken? current = root;
        foreach (var raw in pointer[1..].Split('/'))
        {
            var token = raw.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal);
            current = current switch
            {
                JObject obj => obj[token],
                JArray array when int.TryParse(token, out var index) && index >= 0 && index < array.Count => array[index],
                _ => null,
            };
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }
}
