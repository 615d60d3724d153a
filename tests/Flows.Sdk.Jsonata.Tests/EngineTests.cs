using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests;

[TestFixture]
public class EngineTests
{
    private static JToken? Eval(string expr, string? json = null, IReadOnlyDictionary<string, JToken?>? bindings = null, JsonataOptions? options = null)
    {
        var engine = new JsonataMappingEngine(options ?? new JsonataOptions());
        return engine.Compile(expr).Evaluate(json == null ? null : ConformanceTests.Parse(json), bindings);
    }

    [Test]
    public void SimpleMappingProducesIntegersWithoutFraction()
    {
        var result = Eval("{\"name\": petname, \"status\": petstatus, \"n\": count * 2}", "{\"petname\":\"Rex\",\"petstatus\":\"sold\",\"count\":3}");
        result!.ToString(Newtonsoft.Json.Formatting.None).Should().Be("{\"name\":\"Rex\",\"status\":\"sold\",\"n\":6}");
        result["n"]!.Type.Should().Be(JTokenType.Integer);
    }

    [Test]
    public void UndefinedAndNullAreDistinct()
    {
        Eval("missing", "{}").Should().BeNull();
        Eval("a", "{\"a\":null}")!.Type.Should().Be(JTokenType.Null);
    }

    [Test]
    public void CompiledExpressionIsThreadSafe()
    {
        var compiled = new JsonataMappingEngine().Compile("($x := function($n){ $n <= 1 ? 1 : $n * $x($n - 1) }; {\"v\": $x(value), \"k\": $uppercase(name), \"s\": $sum(items.(p * q))})");
        var failures = 0;
        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var input = JObject.Parse($"{{\"value\": {i % 10}, \"name\": \"n{i}\", \"items\": [{{\"p\": {i}, \"q\": 2}}, {{\"p\": 1, \"q\": 1}}]}}");
            var r = compiled.Evaluate(input)!;
            var fact = 1L;
            for (var k = 2; k <= i % 10; k++)
            {
                fact *= k;
            }

            if ((long)r["v"]! != fact || (string)r["k"]! != "N" + i || (long)r["s"]! != (2 * i) + 1)
            {
                Interlocked.Increment(ref failures);
            }
        });
        failures.Should().Be(0);
    }

    [Test]
    public void CancellationStopsARunawayEvaluation()
    {
        var compiled = new JsonataMappingEngine().Compile("($f := function($n){ $f($n + 1) }; $f(0))");
        using var cts = new CancellationTokenSource(TimeSpan.FromMilliseconds(100));
        var act = () => compiled.Evaluate(null, null, cts.Token);
        act.Should().Throw<OperationCanceledException>();
    }

    [Test]
    public void TimeLimitStopsAnInfiniteLoop()
    {
        var options = new JsonataOptions { TimeLimit = TimeSpan.FromMilliseconds(100) };
        var act = () => Eval("($f := function(){ $f() }; $f())", options: options);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
    }

    [Test]
    public void DeepNonTailRecursionIsAMappingExceptionNotACrash()
    {
        var act = () => Eval("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(1000000))");
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
    }

    [Test]
    public void DeepNonTailRecursionOnASmallStackIsStillAMappingException()
    {
        Exception? caught = null;
        var t = new Thread(
            () =>
            {
                try
                {
                    Eval("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(100000))", options: new JsonataOptions { MaxDepth = int.MaxValue });
                }
                catch (Exception ex)
                {
                    caught = ex;
                }
            },
            256 * 1024);
        t.Start();
        t.Join();
        caught.Should().BeOfType<MappingException>().Which.Code.Should().Be("U1001");
    }

    [Test]
    public void DeeplyNestedExpressionIsASyntaxLevelError()
    {
        var expr = new string('(', 5000) + "1" + new string(')', 5000);
        var act = () => Eval(expr);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
    }

    [Test]
    public void TailRecursionRunsInConstantStack()
    {
        var result = Eval("($count := function($n, $acc){ $n = 0 ? $acc : $count($n - 1, $acc + 1) }; $count(100000, 0))");
        ((long)result!).Should().Be(100000);
    }

    [Test]
    public void DepthLimitIsConfigurable()
    {
        var act = () => Eval("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(50))", options: new JsonataOptions { MaxDepth = 100 });
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
        ((long)Eval("($f := function($n){ $n = 0 ? 0 : 1 + $f($n - 1) }; $f(50))")!).Should().Be(50);
    }

    [Test]
    public void UserFunctionAndBindings()
    {
        var options = new JsonataOptions()
            .RegisterFunction("greet", args => new JValue("Hello " + (string?)args[0] + (string?)args[1]), "<s-s?:s>")
            .RegisterFunction("$twice", args => args[0] is JValue v ? new JValue((double)v * 2) : null);
        var bindings = new Dictionary<string, JToken?> { ["suffix"] = new JValue("!"), ["factor"] = new JValue(10) };
        var result = Eval("{\"g\": $greet(name, $suffix), \"ctx\": name.$greet(), \"t\": $twice(n) * $factor, \"m\": $map([1,2], $twice)}", "{\"name\":\"Ann\",\"n\":2}", bindings, options);
        result!.ToString(Newtonsoft.Json.Formatting.None).Should().Be("{\"g\":\"Hello Ann!\",\"ctx\":\"Hello Ann\",\"t\":40,\"m\":[2,4]}");
    }

    [Test]
    public void UserFunctionSignatureIsValidated()
    {
        var options = new JsonataOptions().RegisterFunction("greet", args => new JValue("x"), "<s:s>");
        var act = () => Eval("$greet(1)", options: options);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("T0410");
    }

    [Test]
    public void SyntaxErrorsCarryCodeAndPosition()
    {
        var act = () => new JsonataMappingEngine().Compile("Account.(Order");
        var ex = act.Should().Throw<MappingException>().Which;
        ex.Code.Should().Be("S0203");
        ex.Position.Should().BeGreaterThan(0);
    }

    [Test]
    public void EncodeUrlRejectsLoneSurrogate()
    {
        var act = () => Eval("$encodeUrlComponent($s)", bindings: new Dictionary<string, JToken?> { ["s"] = new JValue("a\ud800") });
        act.Should().Throw<MappingException>().Which.Code.Should().Be("D3140");
    }

    [Test]
    public void RegexLiteralsAndTimeouts()
    {
        ((string)Eval("$replace('a-b-c', /-/, '+')")!).Should().Be("a+b+c");
        var options = new JsonataOptions { RegexTimeout = TimeSpan.FromMilliseconds(50) };
        var act = () => Eval("$match($s, /(a+)+$/)", bindings: new Dictionary<string, JToken?> { ["s"] = new JValue(new string('a', 40) + "!") }, options: options);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
    }

    [Test]
    public void TransformDoesNotMutateInput()
    {
        var input = JObject.Parse("{\"a\":{\"b\":1,\"c\":2}}");
        var compiled = new JsonataMappingEngine().Compile("$ ~> |a|{\"b\": 5}, [\"c\"]|");
        var r1 = compiled.Evaluate(input);
        var r2 = compiled.Evaluate(input);
        r1!.ToString(Newtonsoft.Json.Formatting.None).Should().Be("{\"a\":{\"b\":5}}");
        JToken.DeepEquals(r1, r2).Should().BeTrue();
        input.ToString(Newtonsoft.Json.Formatting.None).Should().Be("{\"a\":{\"b\":1,\"c\":2}}");
    }
}

[TestFixture]
public class EngineEdgeTests
{
    private static JToken? Eval(string expr, string? json = null) =>
        new JsonataMappingEngine().Compile(expr).Evaluate(json == null ? null : ConformanceTests.Parse(json));

    [Test]
    public void HugeResultNestingBuiltByTailRecursionIsAMappingException()
    {
        var act = () => Eval("($f := function($n, $acc){ $n = 0 ? $acc : $f($n - 1, {\"a\": $acc}) }; $f(200000, 1))");
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
    }

    [Test]
    public void EvalSeesCallerVariables()
    {
        ((long)Eval("($x := 5; $eval('$x + 1'))")!).Should().Be(6);
    }

    [TestCase("$match('a1\\nb2', /\\d$/).match", "\"2\"")]
    [TestCase("$contains('é', /\\w/)", "false")]
    [TestCase("$replace('ab', /[^]/, 'x')", "\"xx\"")]
    [TestCase("$split('a1b2c', /\\d/)", "[\"a\",\"b\",\"c\"]")]
    public void RegexFollowsJavaScriptSemantics(string expr, string expected)
    {
        Eval(expr)!.ToString(Newtonsoft.Json.Formatting.None).Should().Be(expected);
    }

    [TestCase("$string(1e21)", "\"1e+21\"")]
    [TestCase("$string(0.1 + 0.2)", "\"0.3\"")]
    [TestCase("$string(123456789012345678)", "\"123456789012345680\"")]
    [TestCase("$string(1.5e-7)", "\"1.5e-7\"")]
    [TestCase("100 / 4", "25")]
    [TestCase("1 / 4", "0.25")]
    public void NumbersFormatLikeTheReference(string expr, string expected)
    {
        Eval(expr)!.ToString(Newtonsoft.Json.Formatting.None).Should().Be(expected);
    }
}

[TestFixture]
public class EngineCompileLimitTests
{
    [Test]
    public void VeryLongPathsAndChainsCompileOrFailCleanly()
    {
        var engine = new JsonataMappingEngine();
        var cases = new (string Expression, JToken? Expected)[]
        {
            ("a" + string.Concat(Enumerable.Repeat(".a", 200000)), null),
            ("1" + string.Concat(Enumerable.Repeat("+1", 200000)), new JValue(200001L)),
        };
        foreach (var (expr, expected) in cases)
        {
            JToken? result;
            try
            {
                result = engine.Compile(expr).Evaluate(JObject.Parse("{\"a\": {}}"));
            }
            catch (MappingException ex)
            {
                ex.Code.Should().Be("U1001", "an expression too deep to compile or evaluate fails cleanly");
                continue;
            }

            // it compiled and ran: then the result must be the right one
            JToken.DeepEquals(result, expected).Should().BeTrue($"expected {expected?.ToString() ?? "undefined"}, got {result?.ToString() ?? "undefined"}");
        }
    }

    [Test]
    public void LongPathEvaluates()
    {
        var engine = new JsonataMappingEngine();
        var expr = "a" + string.Concat(Enumerable.Repeat(".a", 300));
        var input = new JObject();
        var cur = input;
        for (var i = 0; i < 301; i++)
        {
            var next = new JObject();
            cur["a"] = next;
            cur = next;
        }

        cur["a"] = 7;
        ((long)engine.Compile(expr + ".a").Evaluate(input)!).Should().Be(7);
    }
}

[TestFixture]
public class EngineInputTests
{
    [Test]
    public void DatesParsedByNewtonsoftAreIsoStrings()
    {
        var input = JObject.Parse("{\"at\": \"2017-11-07T15:12:37.121Z\"}");
        input["at"]!.Type.Should().Be(JTokenType.Date);
        var engine = new JsonataMappingEngine();
        ((string)engine.Compile("at").Evaluate(input)!).Should().Be("2017-11-07T15:12:37.121Z");
        ((long)engine.Compile("$toMillis(at)").Evaluate(input)!).Should().Be(1510067557121);
    }

    [Test]
    public void InputIsNotModifiedAndResultIsIndependent()
    {
        var input = JObject.Parse("{\"a\": {\"b\": [1, 2]}}");
        var before = input.ToString();
        var result = new JsonataMappingEngine().Compile("a").Evaluate(input)!;
        ((JArray)result["b"]!).Add(3);
        input.ToString().Should().Be(before);
    }
}

[TestFixture]
public class HostFunctionErrorTests
{
    [Test]
    public void HostFunctionFailuresAreMappingExceptions()
    {
        var options = new JsonataOptions()
            .RegisterFunction("boom", _ => throw new InvalidOperationException("nope"))
            .RegisterFunction("mine", _ => throw new MappingException("X0001", "custom"));
        var engine = new JsonataMappingEngine(options);
        var ex = FluentActions.Invoking(() => engine.Compile("$boom()").Evaluate(null)).Should().Throw<MappingException>().Which;
        ex.Code.Should().Be("D3199");
        ex.InnerException.Should().BeOfType<InvalidOperationException>();
        FluentActions.Invoking(() => engine.Compile("$mine()").Evaluate(null)).Should().Throw<MappingException>().Which.Code.Should().Be("X0001");
    }
}

[TestFixture]
public class BindingShadowTests
{
    [Test]
    public void BindingsHideGlobalFunctionsOnlyWhenNamedAlike()
    {
        var compiled = new JsonataMappingEngine().Compile("$sum([1, 2]) & '/' & $string($steps.a)");
        ((string)compiled.Evaluate(null, new Dictionary<string, JToken?> { ["steps"] = JObject.Parse("{\"a\": 1}") })!).Should().Be("3/1");
        var act = () => compiled.Evaluate(null, new Dictionary<string, JToken?> { ["sum"] = new JValue(5), ["steps"] = null });
        act.Should().Throw<MappingException>().Which.Code.Should().Be("T1006");
    }
}

[TestFixture]
public class FieldCopyShortcutTests
{
    // MaxDepth below 16 turns the object-of-field-paths shortcut off, so the same expression runs through the evaluator.
    private static readonly JsonataMappingEngine Shortcut = new();
    private static readonly JsonataMappingEngine Evaluator = new(new JsonataOptions { MaxDepth = 15 });

    [TestCase("""{"name": petname, "status": petstatus}""", """{"petname": "Gromit", "petstatus": "sold"}""")]
    [TestCase("""{"name": petname, "status": petstatus}""", """{"petname": "Gromit"}""")]
    [TestCase("""{"name": petname, "status": petstatus}""", """{}""")]
    [TestCase("""{"a": a, "b": b, "c": c, "d": d, "e": e, "f": f}""", """{"a": null, "b": true, "c": 2.0, "d": -0.0, "e": 1.5, "f": 9007199254740993}""")]
    [TestCase("""{"big": a, "neg": b}""", """{"a": 9007199254740992, "b": -9007199254740992}""")]
    [TestCase("""{"city": customer.address.city, "id": customer.id}""", """{"customer": {"id": 7, "address": {"city": "London"}}}""")]
    [TestCase("""{"city": customer.address.city}""", """{"customer": {"address": "London"}}""")]
    [TestCase("""{"city": customer.address.city}""", """{"customer": [{"address": {"city": "London"}}, {"address": {"city": "Paris"}}]}""")]
    [TestCase("""{"tags": tags, "one": one, "nested": nested}""", """{"tags": ["a", "b"], "one": ["x"], "nested": [[1, 2], [3]]}""")]
    [TestCase("""{"t": t, "ct": c.t, "e": e, "n": n}""", """{"t": ["x"], "c": {"t": ["a", 1, 2.0, null, true]}, "e": [], "n": [[1, 2.0], [], ["z"]]}""")]
    [TestCase("""{"t": t}""", """{"t": [{"a": 1}]}""")]
    [TestCase("""{"t": t}""", """{"t": [1, [{"a": 1}]]}""")]
    [TestCase("""{"obj": o, "name": `the name`}""", """{"o": {"x": 1, "y": [1, {"z": 2}]}, "the name": "n"}""")]
    [TestCase("""{"name": petname}""", """[{"petname": "a"}, {"petname": "b"}]""")]
    [TestCase("""{"name": petname}""", "\"text\"")]
    public void GivesTheEvaluatorsResult(string expression, string input)
    {
        var token = ConformanceTests.Parse(input);
        var expected = Evaluator.Compile(expression).Evaluate(token);
        var actual = Shortcut.Compile(expression).Evaluate(token);
        (actual?.ToString(Newtonsoft.Json.Formatting.None)).Should().Be(expected?.ToString(Newtonsoft.Json.Formatting.None));
        if (expected is JObject eo)
        {
            foreach (var p in eo.Properties())
            {
                actual![p.Name]!.Type.Should().Be(p.Value.Type, p.Name);
            }
        }
    }

    [Test]
    public void DatesReadFromJsonFallBackToTheEvaluator()
    {
        var token = JObject.Parse("""{"when": "2026-01-02T03:04:05Z"}"""); // DateParseHandling.DateTime: a Date token
        var expected = Evaluator.Compile("""{"w": when}""").Evaluate(token);
        Shortcut.Compile("""{"w": when}""").Evaluate(token)!.ToString(Newtonsoft.Json.Formatting.None)
            .Should().Be(expected!.ToString(Newtonsoft.Json.Formatting.None));
    }

    [Test]
    public void ResultDoesNotShareTokensWithTheInput()
    {
        var input = JObject.Parse("""{"a": "x", "b": 1}""");
        var result = (JObject)Shortcut.Compile("""{"a": a, "b": b}""").Evaluate(input)!;
        result["a"]!.Parent!.Parent.Should().BeSameAs(result);
        input["a"]!.Parent!.Parent.Should().BeSameAs(input);
    }
}
