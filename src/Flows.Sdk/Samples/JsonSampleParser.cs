using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>
/// Reads a JSON object. Numbers with a fraction or exponent become doubles, strings that look like dates stay
/// strings, a property name repeated in one object is refused, and so are comments, <c>NaN</c> and <c>Infinity</c>.
/// </summary>
/// <remarks>
/// The document is built without recursion and with our own depth count, so a deeply nested input is refused
/// with a clear error long before it could exhaust the stack.
/// </remarks>
internal sealed class JsonSampleParser : ISampleParser
{
    public string Format => SampleFormats.Json;

    public SampleParseResult Parse(string text, SampleParseOptions options)
    {
        SampleLimits.CheckArguments(text, options);
        SampleLimits.CheckSize(Format, text, options);
        var sample = ReadObject(text, options.MaxDepth);
        return new SampleParseResult(sample, SchemaInference.Infer(sample));
    }

    internal static JObject ReadObject(string text, int maxDepth)
    {
        using var reader = new JsonTextReader(new StringReader(text))
        {
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            MaxDepth = null,
        };
        try
        {
            return ReadObject(reader, maxDepth);
        }
        catch (JsonReaderException ex)
        {
            throw new SampleFormatException(
                SampleFormats.Json,
                $"The sample is not valid JSON: {ex.Message}",
                ex.LineNumber > 0 ? ex.LineNumber : null,
                ex.LineNumber > 0 ? ex.LinePosition : null,
                innerException: ex);
        }
    }

    private static JObject ReadObject(JsonTextReader reader, int maxDepth)
    {
        if (!Next(reader))
        {
            throw Error(reader, "The sample is empty; it must be a JSON object, such as {\"petname\": \"Rex\"}.");
        }

        if (reader.TokenType != JsonToken.StartObject)
        {
            throw Error(reader, $"The sample must be a JSON object, but it is {Describe(reader.TokenType)}.");
        }

        var root = new JObject();
        var stack = new Stack<JContainer>();
        stack.Push(root);
        string? propertyName = null;

        while (stack.Count > 0)
        {
            if (!Next(reader))
            {
                throw Error(reader, "The JSON ends before the sample is complete.");
            }

            var container = stack.Peek();
            switch (reader.TokenType)
            {
                case JsonToken.PropertyName:
                    propertyName = (string)reader.Value!;
                    if (((JObject)container).ContainsKey(propertyName))
                    {
                        throw Error(reader, $"The property \"{propertyName}\" appears more than once in the same object{Location(reader)}; each name may appear only once.");
                    }

                    continue;
                case JsonToken.EndObject:
                case JsonToken.EndArray:
                    stack.Pop();
                    continue;
                case JsonToken.StartObject:
                case JsonToken.StartArray:
                    if (stack.Count + 1 > maxDepth)
                    {
                        var line = reader.LineNumber > 0 ? reader.LineNumber : (int?)null;
                        throw SampleLimits.TooDeep(SampleFormats.Json, maxDepth, line, line is null ? null : reader.LinePosition);
                    }

                    JContainer child = reader.TokenType == JsonToken.StartObject ? new JObject() : new JArray();
                    Add(container, ref propertyName, child);
                    stack.Push(child);
                    continue;
                default:
                    Add(container, ref propertyName, ReadValue(reader));
                    continue;
            }
        }

        if (Next(reader))
        {
            throw Error(reader, $"The JSON continues after the sample's closing brace{Location(reader)}; a sample is a single object.");
        }

        return root;
    }

    private static void Add(JContainer container, ref string? propertyName, JToken value)
    {
        if (container is JObject obj)
        {
            obj.Add(propertyName!, value);
            propertyName = null;
        }
        else
        {
            container.Add(value);
        }
    }

    private static JValue ReadValue(JsonTextReader reader)
    {
        switch (reader.TokenType)
        {
            case JsonToken.String:
            case JsonToken.Integer:
            case JsonToken.Boolean:
                return new JValue(reader.Value);
            case JsonToken.Float:
                if (reader.Value is double d && !double.IsFinite(d))
                {
                    throw Error(reader, $"The number{Location(reader)} is not a finite JSON number (NaN, Infinity and numbers beyond ±1.8e308 are not allowed).");
                }

                return new JValue(reader.Value);
            case JsonToken.Null:
                return JValue.CreateNull();
            default:
                throw Error(reader, $"The JSON has {Describe(reader.TokenType)}{Location(reader)}, which is not valid JSON.");
        }
    }

    // Comments are not JSON; they are refused rather than silently dropped so a sample means what it says.
    private static bool Next(JsonTextReader reader)
    {
        if (!reader.Read())
        {
            return false;
        }

        if (reader.TokenType == JsonToken.Comment)
        {
            throw Error(reader, $"The JSON has a comment{Location(reader)}; comments are not allowed in JSON.");
        }

        return true;
    }

    private static string Describe(JsonToken token) => token switch
    {
        JsonToken.StartArray => "an array",
        JsonToken.String => "a string",
        JsonToken.Integer or JsonToken.Float => "a number",
        JsonToken.Boolean => "a boolean",
        JsonToken.Null => "null",
        JsonToken.Undefined => "undefined",
        JsonToken.StartConstructor => "a constructor call",
        _ => "not an object",
    };

    private static string Location(JsonTextReader reader) => SampleLimits.At(reader.LineNumber, reader.LinePosition);

    private static SampleFormatException Error(JsonTextReader reader, string message)
    {
        var line = reader.LineNumber > 0 ? reader.LineNumber : (int?)null;
        return new SampleFormatException(SampleFormats.Json, message, line, line is null ? null : reader.LinePosition);
    }
}
