using System.Diagnostics;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests;

[TestFixture]
[Explicit("Timing smoke test; run by hand")]
public class PerfSmoke
{
    [TestCase("{\"name\": petname, \"status\": petstatus}")]
    [TestCase("Account.Order.Product.(Price * Quantity) ~> $sum()")]
    [TestCase("$uppercase(petname) & '-' & $string(id)")]
    public void Throughput(string expr)
    {
        var input = JObject.Parse("{\"id\": 12, \"petname\": \"Rex\", \"petstatus\": \"available\", \"tags\": [\"a\", \"b\"], \"Account\": {\"Order\": [{\"Product\": [{\"Price\": 10.5, \"Quantity\": 2}, {\"Price\": 3, \"Quantity\": 1}]}, {\"Product\": {\"Price\": 1, \"Quantity\": 4}}]}}");
        var compiled = new JsonataMappingEngine().Compile(expr);
        for (var i = 0; i < 20000; i++)
        {
            compiled.Evaluate(input);
        }

        const int n = 500000;
        var sw = Stopwatch.StartNew();
        for (var i = 0; i < n; i++)
        {
            compiled.Evaluate(input);
        }

        sw.Stop();
        TestContext.Out.WriteLine($"{expr}: {sw.Elapsed.TotalMilliseconds * 1e6 / n:F0} ns/op, {n / sw.Elapsed.TotalSeconds:F0} ops/s");
    }
}
