using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests;

/// <summary>The examples of the package README (src/Flows.Sdk.Jsonata/README.md) give what it says they give.</summary>
[TestFixture]
public class ReadmeExamplesTests
{
    [Test]
    [CancelAfter(10_000)]
    public void Compile_once_evaluate_many()
    {
        var engine = new JsonataMappingEngine();
        var total = engine.Compile("$sum(order.items.(price * qty))");

        var result = total.Evaluate(JObject.Parse("""{"order":{"items":[{"price":2,"qty":3},{"price":5,"qty":1}]}}"""));

        result.Should().BeOfType<JValue>().Which.Value<long>().Should().Be(11);
        engine.Evaluate("$sum(order.items.(price * qty))", JObject.Parse("""{"order":{"items":[{"price":4,"qty":1}]}}"""))!
            .Value<long>().Should().Be(4);
    }

    [Test]
    [CancelAfter(10_000)]
    public void Bindings()
    {
        var greet = new JsonataMappingEngine().Compile("greeting & ', ' & $name");

        var result = greet.Evaluate(JObject.Parse("""{"greeting":"Hello"}"""), new Dictionary<string, JToken?> { ["name"] = "Ada" });

        ((string?)result).Should().Be("Hello, Ada");
    }

    [Test]
    [CancelAfter(10_000)]
    public void Host_functions()
    {
        var options = new JsonataOptions()
            .RegisterFunction("slug", args => new JValue(((string?)args[0])?.ToLowerInvariant().Replace(' ', '-')), "<s-:s>");
        var engine = new JsonataMappingEngine(options);

        var result = engine.Compile("title.$slug()").Evaluate(JObject.Parse("""{"title":"One Pass One Copy"}"""));

        ((string?)result).Should().Be("one-pass-one-copy");
        var wrongType = () => engine.Compile("$slug(42)").Evaluate(null);
        wrongType.Should().Throw<MappingException>().Which.Code.Should().StartWith("T04");
    }

    [Test]
    [CancelAfter(10_000)]
    public void Limits_of_one_evaluation_and_cancellation()
    {
        var expression = new JsonataMappingEngine().Compile("($f := function($n) { $f($n + 1) + 1 }; $f(0))");
        var endless = new JsonataMappingEngine().Compile("($loop := function($n) { $loop($n + 1) }; $loop(0))");

        var deep = () => expression.Evaluate(null, null, new EvaluationLimits(TimeLimit: TimeSpan.FromSeconds(5)), CancellationToken.None);
        deep.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");

        var timed = () => endless.Evaluate(null, null, new EvaluationLimits(TimeLimit: TimeSpan.FromMilliseconds(200)), CancellationToken.None);
        timed.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");

        var sized = () => new JsonataMappingEngine().Compile("[1..5000]").Evaluate(null, null, new EvaluationLimits(MaxSize: 1_000), CancellationToken.None);
        sized.Should().Throw<MappingException>().Which.Code.Should().Be("U1002");

        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var cancelled = () => endless.Evaluate(null, null, new EvaluationLimits(TimeLimit: TimeSpan.FromSeconds(30)), cts.Token);
        cancelled.Should().Throw<OperationCanceledException>();
    }
}
