using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// The named mappings of <c>benchmarks/jsonata-vs-js/mappings.json</c> (written by <c>gen-mappings.mjs</c> there): each has an
/// expression and the name of its input among the file's <c>inputs</c>. Both engines run exactly these.
/// </summary>
internal sealed record JsonataMapping(string Name, string Expression, JToken Input, string Description);

internal static class JsonataMappingsFile
{
    public const string RelativePath = "benchmarks/jsonata-vs-js/mappings.json";

    public static IReadOnlyList<JsonataMapping> Load(string path)
    {
        var root = JObject.Parse(File.ReadAllText(path));
        var inputs = (JObject)root["inputs"]!;
        return ((JArray)root["mappings"]!)
            .Select(m => new JsonataMapping(
                (string)m["name"]!,
                (string)m["expression"]!,
                inputs[(string)m["input"]!] ?? throw new InvalidDataException($"mapping {m["name"]}: no input named {m["input"]}"),
                (string?)m["description"] ?? ""))
            .ToList();
    }

    /// <summary>Finds the file by walking up from the working directory and from the binaries (BenchmarkDotNet runs from a generated folder).</summary>
    public static string Locate()
    {
        if (Environment.GetEnvironmentVariable("JSONATA_MAPPINGS") is { Length: > 0 } fromEnvironment)
        {
            return Path.GetFullPath(fromEnvironment);
        }

        foreach (var start in new[] { Directory.GetCurrentDirectory(), AppContext.BaseDirectory })
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                var candidate = Path.Combine(dir.FullName, RelativePath);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        throw new FileNotFoundException($"{RelativePath} not found above {Directory.GetCurrentDirectory()} or {AppContext.BaseDirectory}; set JSONATA_MAPPINGS");
    }
}
