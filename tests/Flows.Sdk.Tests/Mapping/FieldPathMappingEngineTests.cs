using Flows.Sdk.Mapping;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Mapping;

public sealed class FieldPathMappingEngineTests
{
    private readonly FieldPathMappingEngine _engine = new();

    private static readonly JObject Input = JObject.Parse("""{"petname": "Gromit", "pet": {"tag": {"name": "dog"}}, "n": 3}""");

    [TestCase("petname", "\"Gromit\"")]
    [TestCase("pet.tag.name", "\"dog\"")]
    [TestCase("'sold'", "\"sold\"")]
    [TestCase("\"sold\"", "\"sold\"")]
    [TestCase("42", "42")]
    [TestCase("n", "3")]
    public void Evaluates_paths_and_literals(string expression, string expected)
    {
        _engine.Compile(expression).Evaluate(Input)!.ToString(Newtonsoft.Json.Formatting.None).Should().Be(expected);
    }

    [Test]
    public void A_missing_path_is_undefined()
    {
        _engine.Compile("pet.colour.name").Evaluate(Input).Should().BeNull();
    }

    [Test]
    public void Variables_come_from_the_bindings()
    {
        var bindings = new Dictionary<string, JToken?> { ["steps"] = JObject.Parse("""{"step_1": {"id": 7}}""") };

        _engine.Compile("$steps.step_1.id").Evaluate(Input, bindings)!.Value<int>().Should().Be(7);
    }

    [TestCase("a..b", "S0206")]
    [TestCase("'open", "S0101")]
    [TestCase("a + b", "S0204")]
    [TestCase("  ", "S0201")]
    public void Bad_expressions_fail_with_a_code_and_position(string expression, string code)
    {
        var act = () => _engine.Compile(expression);

        var error = act.Should().Throw<MappingException>().Which;
        error.Code.Should().Be(code);
        error.Position.Should().BeGreaterThanOrEqualTo(0);
    }
}
