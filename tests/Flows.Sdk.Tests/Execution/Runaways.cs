namespace Flows.Sdk.Tests.Execution;

/// <summary>
/// Mappings that never end (or end only after taking far too much time or memory), by kind. Recursion stops at the time limit
/// in the evaluator's main loop; the built-in kinds stop at the engine's per-built-in time and size checks.
/// </summary>
internal static class Runaways
{
    public const string Recursion = "($f := function($n){$f($n+1)}; $f(0))";

    public const string MutualRecursion = "($ping := function($n){$pong($n+1)}; $pong := function($n){$ping($n+1)}; $ping(0))";

    public const string Pad = """$length($pad("", 100000000))""";

    public const string NestedRanges = "$count([1..100000].[1..100000])";

    public const string ReduceAppend = "$reduce([1..10000000], function($a,$v){$append($a,$v)}, [])";

    public const string Regex = """$contains("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!", /^(a|aa)+$/)""";

    /// <summary>
    /// The category of the kinds that only the engine's checks inside built-ins stop (time and size per built-in call):
    /// without them a case runs for minutes or exhausts memory, so the tests bound their own wait and fail instead.
    /// </summary>
    public const string BuiltinCategory = "EngineBuiltinLimits";

    /// <summary>Every kind, with the codes its overrun may give.</summary>
    public static IEnumerable<TestCaseData> All()
    {
        yield return new TestCaseData(Recursion, "U1001").SetArgDisplayNames("recursion");
        yield return new TestCaseData(MutualRecursion, "U1001").SetArgDisplayNames("mutual recursion");
        yield return new TestCaseData(Pad, "U1001|U1002").SetArgDisplayNames("pad").SetCategory(BuiltinCategory);
        yield return new TestCaseData(NestedRanges, "U1001|U1002").SetArgDisplayNames("nested ranges").SetCategory(BuiltinCategory);
        yield return new TestCaseData(ReduceAppend, "U1001|U1002").SetArgDisplayNames("reduce append").SetCategory(BuiltinCategory);
        yield return new TestCaseData(Regex, "U1001").SetArgDisplayNames("regex");
    }

    /// <summary>
    /// Runs <paramref name="operation"/> (synchronous CPU work, when an evaluation runs away) off the test's thread and waits
    /// for it at most <paramref name="bound"/>: a runaway the engine does not stop fails the test instead of hanging the run.
    /// </summary>
    public static async Task<T> BoundedAsync<T>(Func<Task<T>> operation, TimeSpan bound)
    {
        var task = Task.Run(operation);
        try
        {
            return await task.WaitAsync(bound);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"Still running after {bound.TotalSeconds} s: the evaluation was not stopped by its limits.");
            throw;
        }
    }

    /// <summary>The recursion kinds, which the evaluator's main loop stops.</summary>
    public static IEnumerable<TestCaseData> Recursions()
    {
        yield return new TestCaseData(Recursion, "U1001").SetArgDisplayNames("recursion");
        yield return new TestCaseData(MutualRecursion, "U1001").SetArgDisplayNames("mutual recursion");
    }

    /// <summary>A mapping that runs away only for the input <c>{"petname": "loop"}</c>.</summary>
    public static string OnLoop(string runaway) => $"petname = 'loop' ? {runaway} : petname";
}
