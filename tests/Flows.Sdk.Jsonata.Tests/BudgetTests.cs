using System.Diagnostics;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Jsonata.Tests;

/// <summary>
/// The evaluation budget: every runaway class ends with U1001 (time) or U1002 (size) well within a bound, the messages
/// name the setting, per-evaluation limits override the options, and cancellation stops an evaluation from anywhere.
/// Each test hands NUnit's <see cref="CancelAfterAttribute"/> token to the evaluation, so a regression that lets an
/// evaluation run away fails the test (with <see cref="OperationCanceledException"/>) instead of hanging the run.
/// </summary>
[TestFixture]
public class BudgetTests
{
    private const string TimeSetting = "JsonataOptions.TimeLimit";
    private const string SizeSetting = "JsonataOptions.MaxEvaluationSize";

    /// <summary>The bound within which a runaway evaluation under a 1 s time limit (or the default size limit) must fail.</summary>
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    private static (MappingException Error, TimeSpan Elapsed) Fails(string expression, JsonataOptions options, CancellationToken ct, EvaluationLimits limits = default)
    {
        var compiled = new JsonataMappingEngine(options).Compile(expression);
        var sw = Stopwatch.StartNew();
        var act = () => compiled.Evaluate(null, null, limits, ct);
        var error = act.Should().Throw<MappingException>().Which;
        return (error, sw.Elapsed);
    }

    private static JsonataOptions OneSecond() => new() { TimeLimit = TimeSpan.FromSeconds(1) };

    /// <summary>For the size tests: a time limit that is not the one hit (the size limit must end them, in far less).</summary>
    private static JsonataOptions SizeOnly() => new() { TimeLimit = TimeSpan.FromSeconds(60) };

    private static void ShouldBeTimeLimit(MappingException error, TimeSpan elapsed, string limitText)
    {
        error.Code.Should().Be("U1001");
        error.Message.Should().Contain(TimeSetting).And.Contain("EvaluationLimits.TimeLimit").And.Contain("time limit of " + limitText);
        elapsed.Should().BeLessThan(Bound);
    }

    private static void ShouldBeSizeLimit(MappingException error, TimeSpan elapsed, string limitText = "50,000,000")
    {
        error.Code.Should().Be("U1002");
        error.Message.Should().Contain(SizeSetting).And.Contain("EvaluationLimits.MaxSize").And.Contain("size limit of " + limitText);
        elapsed.Should().BeLessThan(Bound);
    }

    // ------------------------------------------------------------------ runaway classes

    [Test]
    [CancelAfter(30_000)]
    public void InfiniteTailRecursionHitsTheTimeLimit(CancellationToken ct)
    {
        var (error, elapsed) = Fails("($f := function($n){ $f($n + 1) }; $f(0))", OneSecond(), ct);
        ShouldBeTimeLimit(error, elapsed, "1 s");
        elapsed.Should().BeGreaterThanOrEqualTo(TimeSpan.FromSeconds(0.9), "the limit is 1 s, not less");
    }

    [Test]
    [CancelAfter(30_000)]
    public void InfiniteMutualRecursionHitsTheTimeLimit(CancellationToken ct)
    {
        var (error, elapsed) = Fails("($f := function($n){ $g($n + 1) }; $g := function($n){ $f($n + 1) }; $f(0))", OneSecond(), ct);
        ShouldBeTimeLimit(error, elapsed, "1 s");
    }

    [Test]
    [CancelAfter(30_000)]
    public void HugePadIsRefusedBeforeItIsBuilt(CancellationToken ct)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (error, elapsed) = Fails("$length($pad(\"\", 100000000))", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(50L << 20, "the 100,000,000 characters are refused before they are allocated");
    }

    [Test]
    [CancelAfter(30_000)]
    public void RangeOfRangesFailsFastWithoutGrowingMemory(CancellationToken ct)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (error, elapsed) = Fails("$count([1..100000].[1..100000])", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(300L << 20);
    }

    [Test]
    [CancelAfter(30_000)]
    public void ReduceAppendGrowthFailsFast(CancellationToken ct)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (error, elapsed) = Fails("$reduce([1..10000000], function($a, $v){ $append($a, $v) }, [])", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);

        // every $append copies the accumulator: the copies (not what is alive at once) add up to the limit's 50,000,000 items
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(1L << 30);
    }

    [Test]
    [CancelAfter(30_000)]
    public void JoinOfAHugeArrayIsRefusedBeforeItIsBuilt(CancellationToken ct)
    {
        var before = GC.GetAllocatedBytesForCurrentThread();
        var (error, elapsed) = Fails("($s := $pad(\"\", 10000, \"x\"); $join([1..10000].($s), \",\"))", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);
        (GC.GetAllocatedBytesForCurrentThread() - before).Should().BeLessThan(50L << 20, "the 100,010,000 characters are refused before they are allocated");
    }

    [Test]
    [CancelAfter(30_000)]
    public void StringDoublingLoopHitsTheSizeLimit(CancellationToken ct)
    {
        var (error, elapsed) = Fails("($f := function($s){ $f($s & $s) }; $f(\"x\"))", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);
    }

    [Test]
    [CancelAfter(30_000)]
    public void StringOfASharedStructureHitsTheSizeLimit(CancellationToken ct)
    {
        // 2^40 copies of a small array reached through shared references: tiny to build, huge to write out
        const string Doubling = "($f := function($v, $n){ $n = 0 ? $v : $f([$v, $v], $n - 1) }; ";
        var (error, elapsed) = Fails(Doubling + "$string($f([1, 2, 3], 40)))", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);

        (error, elapsed) = Fails(Doubling + "$f([1, 2, 3], 40))", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);

        // handed to a host function, whose arguments are converted to tokens
        var hostCalled = false;
        var options = SizeOnly().RegisterFunction("sink", _ =>
        {
            hostCalled = true;
            return null;
        });
        (error, elapsed) = Fails(Doubling + "$sink($f([1, 2, 3], 40)))", options, ct);
        ShouldBeSizeLimit(error, elapsed);
        hostCalled.Should().BeFalse();
    }

    [Test]
    [CancelAfter(30_000)]
    public void SortOfAHugeRangeHitsTheTimeLimit(CancellationToken ct)
    {
        var (error, elapsed) = Fails("$sort([1..10000000], function($a, $b){ $a < $b })", OneSecond(), ct);
        ShouldBeTimeLimit(error, elapsed, "1 s");
    }

    [Test]
    [CancelAfter(30_000)]
    public void MapOverAHugeRangeHitsTheTimeLimit(CancellationToken ct)
    {
        var options = new JsonataOptions { TimeLimit = TimeSpan.FromMilliseconds(200) };
        var (error, elapsed) = Fails("$count($map([1..10000000], function($v){ $v * 2 }))", options, ct);
        ShouldBeTimeLimit(error, elapsed, "200 ms");
    }

    [Test]
    [CancelAfter(30_000)]
    public void CatastrophicRegexHitsTheRegexTimeout(CancellationToken ct)
    {
        var options = new JsonataOptions { RegexTimeout = TimeSpan.FromMilliseconds(100) };
        var (error, elapsed) = Fails("$match(\"" + new string('a', 40) + "!\", /(a+)+$/)", options, ct);
        error.Code.Should().Be("U1001");
        error.Message.Should().Contain("JsonataOptions.RegexTimeout").And.Contain("100 ms");
        elapsed.Should().BeLessThan(Bound);
    }

    [Test]
    [CancelAfter(30_000)]
    public void LimitsHoldInsideEvalAndAreNotWrapped(CancellationToken ct)
    {
        var (error, elapsed) = Fails("$eval('$pad(\"\", 100000000)')", SizeOnly(), ct);
        ShouldBeSizeLimit(error, elapsed);

        (error, elapsed) = Fails("$eval('($f := function(){ $f() }; $f())')", OneSecond(), ct);
        ShouldBeTimeLimit(error, elapsed, "1 s");
    }

    // ------------------------------------------------------------------ the suite's infinite recursions, default options

    [TestCase(5)]
    [TestCase(6)]
    [CancelAfter(60_000)]
    public void SuiteInfiniteRecursionFailsWithTheDefaultOptions(int caseNumber, CancellationToken ct)
    {
        var root = ConformanceTests.Root;
        root.Should().NotBeNull("the JSONata test suite is expected at <repository>/../shared/conformance/jsonata");
        var file = Path.Combine(root!, "groups", "tail-recursion", $"case{caseNumber:000}.json");
        var expression = (string)JObject.Parse(File.ReadAllText(file))["expr"]!;
        var options = new JsonataOptions();
        options.TimeLimit.Should().Be(TimeSpan.FromSeconds(5), "the default");

        var (error, elapsed) = Fails(expression, options, ct);
        error.Code.Should().Be("U1001");
        elapsed.Should().BeLessThan(TimeSpan.FromSeconds(30));
    }

    // ------------------------------------------------------------------ per-evaluation limits

    [Test]
    [CancelAfter(30_000)]
    public void SmallerPerEvaluationLimitsOverrideTheOptions(CancellationToken ct)
    {
        var options = new JsonataOptions { TimeLimit = TimeSpan.FromMinutes(10) };
        var (error, elapsed) = Fails("($f := function(){ $f() }; $f())", options, ct, new EvaluationLimits(TimeLimit: TimeSpan.FromMilliseconds(300)));
        ShouldBeTimeLimit(error, elapsed, "300 ms");

        (error, elapsed) = Fails("$count([1..100000])", options, ct, new EvaluationLimits(MaxSize: 1000));
        ShouldBeSizeLimit(error, elapsed, "1,000");

        // the same expression within the options' limits
        new JsonataMappingEngine(options).Compile("$count([1..100000])").Evaluate(null, null, default, ct)!.Value<long>().Should().Be(100000);
    }

    [Test]
    [CancelAfter(60_000)]
    public void LargerPerEvaluationLimitsOverrideTheOptions(CancellationToken ct)
    {
        var options = new JsonataOptions { TimeLimit = TimeSpan.FromMilliseconds(100), MaxEvaluationSize = 1000 };
        var compiled = new JsonataMappingEngine(options).Compile("$count([1..100000])");
        var act = () => compiled.Evaluate(null, null, default, ct);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1002");
        compiled.Evaluate(null, null, new EvaluationLimits(MaxSize: 1_000_000), ct)!.Value<long>().Should().Be(100000);

        // about 2,000,000 function applications: far more than 100 ms anywhere
        var slow = new JsonataMappingEngine(options).Compile("$count($map([1..2000000], function($v){ $v + 1 }))");
        act = () => slow.Evaluate(null, null, new EvaluationLimits(MaxSize: 10_000_000), ct);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1001");
        slow.Evaluate(null, null, new EvaluationLimits(TimeSpan.FromSeconds(50), 10_000_000), ct)!.Value<long>().Should().Be(2000000);
    }

    [Test]
    [CancelAfter(30_000)]
    public void NormalExpressionWorksUnderTightButSufficientLimits(CancellationToken ct)
    {
        var compiled = new JsonataMappingEngine().Compile(
            "{\"total\": $sum(items.(price * qty)), \"skus\": $join(items.sku, \",\"), \"n\": $count([1..100])}");
        var input = JObject.Parse("""{"items": [{"sku": "a", "price": 2, "qty": 3}, {"sku": "b", "price": 5, "qty": 1}]}""");
        var result = compiled.Evaluate(input, null, new EvaluationLimits(TimeSpan.FromSeconds(1), 250), ct)!;
        result.ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"total":11,"skus":"a,b","n":100}""");

        // and the same limits are not loose: a little more work is refused
        var act = () => new JsonataMappingEngine().Compile("$count([1..200])").Evaluate(null, null, new EvaluationLimits(TimeSpan.FromSeconds(1), 250), ct);
        act.Should().Throw<MappingException>().Which.Code.Should().Be("U1002");
    }

    [Test]
    [CancelAfter(30_000)]
    public void TheSuiteLargeRangeFitsTheDefaultLimits(CancellationToken ct)
    {
        var compiled = new JsonataMappingEngine().Compile("[1..10000000] ~> $count()");
        compiled.Evaluate(null, null, default, ct)!.Value<long>().Should().Be(10_000_000);
    }

    [TestCase("[1..5][2]", "3")]
    [TestCase("[1..5][-1]", "5")]
    [TestCase("[1..3, 7]", "[1,2,3,7]")]
    [TestCase("[[1..3], [5..6]]", "[[1,2,3],[5,6]]")]
    [TestCase("$append([1..3], [4..5])", "[1,2,3,4,5]")]
    [TestCase("$reverse([1..4])", "[4,3,2,1]")]
    [TestCase("$sum([1..100])", "5050")]
    [TestCase("[1..4].($ * 2)", "[2,4,6,8]")]
    [TestCase("[1..6][$ % 2 = 0]", "[2,4,6]")]
    [TestCase("$string([1..3])", "\"[1,2,3]\"")]
    [TestCase("[1..3] = [1, 2, 3]", "true")]
    [TestCase("$count([5..4])", "0")]
    [TestCase("[-2..0]", "[-2,-1,0]")]
    [TestCase("$sort([3..1])", "[]")]
    [TestCase("$zip([1..3], [4..6])", "[[1,4],[2,5],[3,6]]")]
    public void CompactRangesBehaveAsArrays(string expression, string expected)
    {
        var result = new JsonataMappingEngine().Compile(expression).Evaluate(null);
        (result?.ToString(Newtonsoft.Json.Formatting.None) ?? "null").Should().Be(expected);
    }

    // ------------------------------------------------------------------ cancellation

    [Test]
    [CancelAfter(30_000)]
    public async Task CancellationFromAnotherThreadStopsARunawayEvaluation(CancellationToken ct)
    {
        // no time limit at all: only the token can stop these
        var engine = new JsonataMappingEngine(new JsonataOptions { TimeLimit = null });
        foreach (var expression in new[]
        {
            "($f := function($n){ $f($n + 1) }; $f(0))",             // the tail-call trampoline
            "$sort([1..10000000])",                                  // inside a built-in's own loop
            "$count($map([1..10000000], function($v){ $v }))",       // a higher-order built-in
            "$eval('($f := function(){ $f() }; $f())')",             // through $eval's error wrapping
        })
        {
            var compiled = engine.Compile(expression);
            using var cts = CancellationTokenSource.CreateLinkedTokenSource(ct);
            var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            var sw = new Stopwatch();
            var evaluation = Task.Run(
                () =>
                {
                    started.SetResult();
                    sw.Start();
                    return compiled.Evaluate(null, null, default, cts.Token);
                },
                CancellationToken.None);
            await started.Task.WaitAsync(ct);
            cts.CancelAfter(TimeSpan.FromMilliseconds(200));

            var act = async () => await evaluation;
            (await act.Should().ThrowAsync<OperationCanceledException>(expression)).Which.CancellationToken.Should().Be(cts.Token);
            sw.Elapsed.Should().BeLessThan(Bound, expression);
        }
    }

    // ------------------------------------------------------------------ validation

    [TestCase(0L)]
    [TestCase(-1L)]
    public void MaxEvaluationSizeMustBePositive(long size)
    {
        var act = () => new JsonataMappingEngine(new JsonataOptions { MaxEvaluationSize = size });
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxEvaluationSize must be positive*");
    }

    [Test]
    public void PerEvaluationLimitsMustBePositive()
    {
        var compiled = new JsonataMappingEngine().Compile("1");
        var act = () => compiled.Evaluate(null, null, new EvaluationLimits(MaxSize: 0), CancellationToken.None);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*EvaluationLimits.MaxSize*");
        act = () => compiled.Evaluate(null, null, new EvaluationLimits(TimeLimit: TimeSpan.Zero), CancellationToken.None);
        act.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*EvaluationLimits.TimeLimit*");
    }

    [Test]
    public void DefaultsAreFiveSecondsAndFiftyMillion()
    {
        var options = new JsonataOptions();
        options.TimeLimit.Should().Be(TimeSpan.FromSeconds(5));
        options.MaxEvaluationSize.Should().Be(50_000_000);
    }
}
