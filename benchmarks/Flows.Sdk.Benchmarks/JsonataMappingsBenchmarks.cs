using BenchmarkDotNet.Attributes;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// The mappings of <c>benchmarks/jsonata-vs-js/mappings.json</c> (the ones <c>jsonata-compare</c> runs against jsonata-js),
/// one case per mapping, for BenchmarkDotNet's timings and allocation figures.
/// Run: <c>dotnet run -c Release --project benchmarks/Flows.Sdk.Benchmarks -- --filter *JsonataMappingsBenchmarks*</c>.
/// </summary>
[MemoryDiagnoser]
public class JsonataMappingsBenchmarks
{
    private readonly JsonataMappingEngine _engine = new();
    private IMappingExpression _compiled = null!;
    private JToken _input = null!;
    private string _expression = null!;

    public static IEnumerable<string> Names() => JsonataMappingsFile.Load(JsonataMappingsFile.Locate()).Select(m => m.Name);

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
