using BenchmarkDotNet.Attributes;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// The mappings of <c>benchmarks/jsonata-vs-js/mappings.json</c> (the ones <c>jsonata-compare</c> runs against jsonata-js),
/// one case per mapping, for BenchmarkDotNet's timings and allocation figures.
/// Run: <c>dotnet run -c Release --project benchmarks/Flows.Sdk.Benchmarks -- --filter *JsonataMappingsBenchmarks*</c>
/// (<c>JSONATA_ONLY=tutorial</c> in the environment for some mappings only).
/// </summary>
[MemoryDiagnoser]
public class JsonataMappingsBenchmarks
{
    private readonly JsonataMappingEngine _engine = new();
    private IMappingExpression _compiled = null!;
    private JToken _input = null!;
    private string _expression = null!;

    /// <summary>The mapping names; <c>JSONATA_ONLY=tutorial,map-100</c> in the environment restricts them.</summary>
    public static IEnumerable<string> Names()
    {
        var only = Environment.GetEnvironmentVariable("JSONATA_ONLY")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        return JsonataMappingsFile.Load(JsonataMappingsFile.Locate()).Select(m => m.Name).Where(n => only is null || only.Contains(n));
    }

    [ParamsSource(nameof(Names))]
    public string Mapping { get; set; } = "tutorial";

    [GlobalSetup]
    public void Setup()
    {
        var mapping = JsonataMappingsFile.Load(JsonataMappingsFile.Locate()).Single(m => m.Name == Mapping);
        _expression = mapping.Expression;
        _input = mapping.Input;
        _compiled = _engine.Compile(_expression);
        _ = _compiled.Evaluate(_input);
    }

    [Benchmark]
    public JToken? Evaluate() => _compiled.Evaluate(_input);

    [Benchmark]
    public IMappingExpression Compile() => _engine.Compile(_expression);
}
