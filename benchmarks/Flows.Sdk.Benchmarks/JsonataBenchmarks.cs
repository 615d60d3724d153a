using BenchmarkDotNet.Attributes;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// Evaluation throughput of compiled JSONata expressions (compile once, evaluate many).
/// Run: <c>dotnet run -c Release --project benchmarks/Flows.Sdk.Benchmarks -- --filter *Jsonata*</c>.
/// </summary>
[MemoryDiagnoser]
public class JsonataBenchmarks
{
    private static readonly JToken Pet = JObject.Parse("""{"id": 12, "petname": "Rex", "petstatus": "available", "tags": ["a", "b"]}""");

    private static readonly JToken Orders = JObject.Parse("""
        {"Account": {"Account Name": "Firefly", "Order": [
          {"OrderID": "order103", "Product": [
            {"Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "0406654608", "Price": 34.45, "Quantity": 2},
            {"Product Name": "Trilby hat", "ProductID": 858236, "SKU": "0406634348", "Price": 21.67, "Quantity": 1}]},
          {"OrderID": "order104", "Product": [
            {"Product Name": "Bowler Hat", "ProductID": 858383, "SKU": "040657863", "Price": 34.45, "Quantity": 4},
            {"Product Name": "Cloak", "ProductID": 345664, "SKU": "0406654603", "Price": 107.99, "Quantity": 1}]}]}}
        """);

    private readonly JsonataMappingEngine _engine = new();
    private IMappingExpression _simple = null!;
    private IMappingExpression _functions = null!;
    private IMappingExpression _orderLines = null!;
    private IMappingExpression _aggregate = null!;
    private IMappingExpression _grouping = null!;

    [GlobalSetup]
    public void Setup()
    {
        _simple = _engine.Compile("""{"name": petname, "status": petstatus}""");
        _functions = _engine.Compile("""$uppercase(petname) & '-' & $string(id)""");
        _orderLines = _engine.Compile("""Account.Order.Product.{"name": `Product Name`, "total": Price * Quantity}""");
        _aggregate = _engine.Compile("""$sum(Account.Order.Product.(Price * Quantity))""");
        _grouping = _engine.Compile("""Account.Order.Product{`Product Name`: $sum(Quantity)}""");
    }

    [Benchmark(Baseline = true)]
    public JToken? SimpleMapping() => _simple.Evaluate(Pet);

    [Benchmark]
    public JToken? FunctionCalls() => _functions.Evaluate(Pet);

    [Benchmark]
    public JToken? OrderLines() => _orderLines.Evaluate(Orders);

    [Benchmark]
    public JToken? Aggregate() => _aggregate.Evaluate(Orders);

    [Benchmark]
    public JToken? Grouping() => _grouping.Evaluate(Orders);

    [Benchmark]
    public IMappingExpression Compile() => _engine.Compile("""Account.Order.Product[Price > 30].{"sku": SKU, "name": $uppercase(`Product Name`)}""");
}
