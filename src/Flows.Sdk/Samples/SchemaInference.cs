using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>
/// Infers a JSON Schema (draft 2020-12) from a sample value.
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item>Types: <c>string</c>, <c>integer</c> (a number written without fraction or exponent), <c>number</c>,
/// <c>boolean</c>, <c>null</c>, <c>object</c> (with <c>properties</c>) and <c>array</c> (with <c>items</c>).</item>
/// <item>An array's <c>items</c> merges the shapes of all its elements; an empty array has no <c>items</c>.</item>
/// <item>Where values of different types meet (elements of one array, or one property across the objects of an array),
/// <c>type</c> lists them all, in the order object, array, string, number or integer, boolean, null; <c>integer</c>
/// merged with <c>number</c> is <c>number</c>. Objects are merged property by property, arrays item by item.</item>
/// <item><c>required</c> lists the properties present (even as <c>null</c>) in every object seen at that place: for a
/// single object, all its properties; for an array of objects, those in every element.</item>
/// <item>Every property's schema has a <c>title</c>: the property name.</item>
/// </list>
/// Nesting deeper than <see cref="MaxDepth"/> is described as an unconstrained schema rather than followed.
/// </remarks>
internal static class SchemaInference
{
    /// <summary>The draft this class writes, as the value of <c>$schema</c>.</summary>
    public const string Draft202012 = "https://json-schema.org/draft/2020-12/schema";

    /// <summary>How deep the inference follows a value; parsed samples are far shallower (see <see cref="SampleParseOptions.MaxDepth"/>).</summary>
    internal const int MaxDepth = 256;

    /// <summary>Infers the schema of <paramref name="sample"/>, with <c>$schema</c> set to draft 2020-12.</summary>
    public static JObject Infer(JObject sample)
    {
        ArgumentNullException.ThrowIfNull(sample);
        var shape = new Shape();
        shape.Observe(sample, 1);
        var schema = new JObject { ["$schema"] = Draft202012 };
        shape.WriteTo(schema);
        return schema;
    }

    [Flags]
    private enum Kinds
    {
        None = 0,
        Object = 1,
        Array = 2,
        String = 4,
        Number = 8,
        Integer = 16,
        Boolean = 32,
        Null = 64,
        Any = 128,
    }

    /// <summary>Everything seen at one place in the sample.</summary>
    private sealed class Shape
    {
        private Kinds _kinds;
        private int _objectCount;
        private Dictionary<string, (Shape Shape, int Count)>? _properties;
        private List<string>? _propertyOrder;
        private Shape? _items;

        public void Observe(JToken value, int depth)
        {
            if (depth > MaxDepth)
            {
                _kinds |= Kinds.Any;
                return;
            }

            switch (value.Type)
            {
                case JTokenType.Object:
                    _kinds |= Kinds.Object;
                    _objectCount++;
                    _properties ??= new Dictionary<string, (Shape, int)>(StringComparer.Ordinal);
                    _propertyOrder ??= [];
                    foreach (var property in ((JObject)value).Properties())
                    {
                        if (!_properties.TryGetValue(property.Name, out var entry))
                        {
                            entry = (new Shape(), 0);
                            _propertyOrder.Add(property.Name);
                        }

                        entry.Shape.Observe(property.Value, depth + 1);
                        _properties[property.Name] = (entry.Shape, entry.Count + 1);
                    }

                    break;
                case JTokenType.Array:
                    _kinds |= Kinds.Array;
                    foreach (var element in (JArray)value)
                    {
                        (_items ??= new Shape()).Observe(element, depth + 1);
                    }

                    break;
                case JTokenType.Integer:
                    _kinds |= Kinds.Integer;
                    break;
                case JTokenType.Float:
                    _kinds |= Kinds.Number;
                    break;
                case JTokenType.Boolean:
                    _kinds |= Kinds.Boolean;
                    break;
                case JTokenType.Null:
                case JTokenType.Undefined:
                    _kinds |= Kinds.Null;
                    break;
                default:
                    // Strings, and the values Newtonsoft can hold beyond JSON (dates, GUIDs, URIs...), which serialize as strings.
                    _kinds |= Kinds.String;
                    break;
            }
        }

        public void WriteTo(JObject schema)
        {
            if ((_kinds & Kinds.Any) != 0 || _kinds == Kinds.None)
            {
                return;
            }

            var types = new List<string>(2);
            if ((_kinds & Kinds.Object) != 0) types.Add("object");
            if ((_kinds & Kinds.Array) != 0) types.Add("array");
            if ((_kinds & Kinds.String) != 0) types.Add("string");
            if ((_kinds & Kinds.Number) != 0) types.Add("number");
            else if ((_kinds & Kinds.Integer) != 0) types.Add("integer");
            if ((_kinds & Kinds.Boolean) != 0) types.Add("boolean");
            if ((_kinds & Kinds.Null) != 0) types.Add("null");
            schema["type"] = types.Count == 1 ? types[0] : new JArray(types);

            if (_properties is not null && _propertyOrder is not null)
            {
                var properties = new JObject();
                var required = new JArray();
                foreach (var name in _propertyOrder)
                {
                    var (shape, count) = _properties[name];
                    var child = new JObject { ["title"] = name };
                    shape.WriteTo(child);
                    properties.Add(name, child);
                    if (count == _objectCount)
                    {
                        required.Add(name);
                    }
                }

                schema["properties"] = properties;
                if (required.Count > 0)
                {
                    schema["required"] = required;
                }
            }

            if (_items is not null)
            {
                var items = new JObject();
                _items.WriteTo(items);
                schema["items"] = items;
            }
        }
    }
}
