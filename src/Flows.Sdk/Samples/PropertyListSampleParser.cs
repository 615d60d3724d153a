using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>
/// Reads a comma-separated list of property names, such as <c>petname, petstatus</c> or <c>pet.name, pet.status</c>.
/// </summary>
/// <remarks>
/// Whitespace around names is trimmed; a dot makes a nested object. Names may hold letters, digits, <c>_</c>, <c>-</c>
/// and <c>.</c>. Empty entries, empty dotted parts, duplicates and a name used both as a property and as the parent of
/// another (<c>pet, pet.name</c>) are refused, naming the entry. Each property's value in the sample is its full
/// dotted name (so a mapping preview shows which property a value came from); the schema gives every property the
/// type <c>string</c>.
/// </remarks>
internal sealed class PropertyListSampleParser : ISampleParser
{
    public string Format => SampleFormats.Properties;

    public SampleParseResult Parse(string text, SampleParseOptions options)
    {
        SampleLimits.CheckArguments(text, options);
        SampleLimits.CheckSize(Format, text, options);
        if (string.IsNullOrWhiteSpace(text))
        {
            throw new SampleFormatException(Format, "The property list is empty; list property names separated by commas, such as \"petname, petstatus\".");
        }

        var root = new JObject();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var entryNumber = 0;
        var start = 0;
        for (var i = 0; i <= text.Length; i++)
        {
            if (i < text.Length && text[i] != ',')
            {
                continue;
            }

            entryNumber++;
            var (name, index) = Trim(text, start, i);
            Add(root, seen, name, entryNumber, text, index, options.MaxDepth);
            start = i + 1;
        }

        return new SampleParseResult(root, SchemaInference.Infer(root));
    }

    private static (string Name, int Index) Trim(string text, int start, int end)
    {
        var first = start;
        while (first < end && char.IsWhiteSpace(text[first]))
        {
            first++;
        }

        var last = end;
        while (last > first && char.IsWhiteSpace(text[last - 1]))
        {
            last--;
        }

        return (text[first..last], first);
    }

    private void Add(JObject root, HashSet<string> seen, string name, int entryNumber, string text, int index, int maxDepth)
    {
        if (name.Length == 0)
        {
            throw Error(text, index, name, $"Entry {entryNumber} of the property list is empty{Where(text, index)}; remove the extra comma or write a name.");
        }

        for (var i = 0; i < name.Length; i++)
        {
            var c = name[i];
            if (!char.IsLetterOrDigit(c) && c != '_' && c != '-' && c != '.')
            {
                throw Error(text, index + i, name, $"The property name \"{name}\"{Where(text, index)} has the character '{c}', which is not allowed; names may hold letters, digits, '_', '-' and '.' (a dot nests a property).");
            }
        }

        var parts = name.Split('.');
        if (Array.IndexOf(parts, string.Empty) >= 0)
        {
            throw Error(text, index, name, $"The property name \"{name}\"{Where(text, index)} has an empty part; dots separate nested names, as in \"pet.name\".");
        }

        if (parts.Length > maxDepth)
        {
            throw Error(text, index, name, $"The property name \"{name}\"{Where(text, index)} is nested more than {maxDepth} levels deep.");
        }

        if (!seen.Add(name))
        {
            throw Error(text, index, name, $"The property \"{name}\" is listed more than once{Where(text, index)}.");
        }

        var parent = root;
        for (var p = 0; p < parts.Length - 1; p++)
        {
            var existing = parent[parts[p]];
            if (existing is null)
            {
                var child = new JObject();
                parent.Add(parts[p], child);
                parent = child;
            }
            else if (existing is JObject obj)
            {
                parent = obj;
            }
            else
            {
                var leaf = string.Join('.', parts, 0, p + 1);
                throw Error(text, index, name, $"The property \"{leaf}\" is listed both as a property and as the parent of \"{name}\"{Where(text, index)}; use one or the other.");
            }
        }

        var last = parts[^1];
        if (parent[last] is JObject)
        {
            throw Error(text, index, name, $"The property \"{name}\"{Where(text, index)} is listed both as a property and as the parent of other properties; use one or the other.");
        }

        parent.Add(last, name);
    }

    private static string Where(string text, int index)
    {
        var (line, position) = Locate(text, index);
        return SampleLimits.At(line, position);
    }

    private SampleFormatException Error(string text, int index, string entry, string message)
    {
        var (line, position) = Locate(text, index);
        return new SampleFormatException(Format, message, line, position, entry);
    }

    private static (int Line, int Position) Locate(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index && i < text.Length; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return (line, index - lineStart + 1);
    }
}
