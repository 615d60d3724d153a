using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Runtime.Loader;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// <c>jsonata-ab &lt;other Flows.Sdk.Jsonata.dll&gt; [mappings.json] [--rounds N] [--round-ms M] [--only a,b]</c>: our engine as built
/// here ("this") against another build of it ("other", e.g. an earlier commit's <c>bin/Release/net10.0/Flows.Sdk.Jsonata.dll</c>;
/// for a build from before the engine had its own package, its <c>Flows.Sdk.dll</c>),
/// both loaded in this one process (the other in its own <see cref="AssemblyLoadContext"/>, sharing Newtonsoft.Json), on
/// the mappings of <c>benchmarks/jsonata-vs-js/mappings.json</c>. Rounds alternate (this, other, other, this, ...) per
/// mapping, so load from other processes on a shared machine hits both alike; the figure is the median round and the
/// ratio is this/other throughput. Checks first that both builds give the same result.
/// </summary>
internal static class JsonataAb
{
    private delegate JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings, CancellationToken ct);

    public static int Run(string[] args)
    {
        if (args.Length == 0)
        {
            Console.Error.WriteLine("usage: jsonata-ab <other Flows.Sdk.Jsonata.dll, or Flows.Sdk.dll before the split> [mappings.json] [--rounds N] [--round-ms M] [--warmup-ms W] [--only a,b]");
            return 2;
        }

        var otherPath = OtherEngineAssembly(Path.GetFullPath(args[0]));
        var mappingsPath = args.Length > 1 && !args[1].StartsWith("--", StringComparison.Ordinal) ? args[1] : JsonataMappingsFile.Locate();
        var rounds = Option(args, "--rounds", 11);
        var roundMs = Option(args, "--round-ms", 200);
        var warmupMs = Option(args, "--warmup-ms", 500);
        var only = args.SkipWhile(a => a != "--only").Skip(1).FirstOrDefault()?.Split(',');

        var context = new OtherBuild(otherPath);
        var otherAssembly = context.LoadFromAssemblyPath(otherPath);
        var otherEngineType = otherAssembly.GetType("Flows.Sdk.Mapping.Jsonata.JsonataMappingEngine", throwOnError: true)!;
        var otherEngine = Activator.CreateInstance(otherEngineType)!;
        var otherCompile = otherEngineType.GetMethod("Compile", [typeof(string)])!;
        var thisEngine = new global::Flows.Sdk.Mapping.Jsonata.JsonataMappingEngine();

        Console.WriteLine($"this:  {typeof(global::Flows.Sdk.Mapping.Jsonata.JsonataMappingEngine).Assembly.Location}");
        Console.WriteLine($"other: {otherAssembly.Location}");
        Console.WriteLine($"rounds {rounds} x {roundMs} ms per side and mapping, alternating; warm-up {warmupMs} ms each");
        Console.WriteLine();
        Console.WriteLine("| Mapping | this µs | other µs | this/other (median rounds) | this/other (best rounds) |");
        Console.WriteLine("|---|---:|---:|---:|---:|");

        var logRatios = new List<double>();
        var mixedLogRatios = new List<double>();
        var bestLogRatios = new List<double>();
        var bestMixedLogRatios = new List<double>();
        var failed = false;
        foreach (var mapping in JsonataMappingsFile.Load(mappingsPath))
        {
            if (only != null && !only.Contains(mapping.Name))
            {
                continue;
            }

            var thisExpression = thisEngine.Compile(mapping.Expression);
            var thisEvaluate = (Evaluate)thisExpression.Evaluate;
            var otherExpression = otherCompile.Invoke(otherEngine, [mapping.Expression])!;
            var evaluateMethod = otherExpression.GetType().GetMethod(
                "Evaluate",
                [typeof(JToken), typeof(IReadOnlyDictionary<string, JToken>), typeof(CancellationToken)])!;
            var otherEvaluate = (Evaluate)Delegate.CreateDelegate(typeof(Evaluate), otherExpression, evaluateMethod);

            var a = thisEvaluate(mapping.Input, null, default);
            var b = otherEvaluate(mapping.Input, null, default);
            if (!JToken.DeepEquals(a, b))
            {
                Console.WriteLine($"| {mapping.Name} | results differ: {a} / {b} | | |");
                failed = true;
                continue;
            }

            Time(thisEvaluate, mapping.Input, warmupMs);
            Time(otherEvaluate, mapping.Input, warmupMs);
            var thisOps = new List<double>();
            var otherOps = new List<double>();
            for (var r = 0; r < rounds; r++)
            {
                if (r % 2 == 0)
                {
                    thisOps.Add(Time(thisEvaluate, mapping.Input, roundMs));
                    otherOps.Add(Time(otherEvaluate, mapping.Input, roundMs));
                }
                else
                {
                    otherOps.Add(Time(otherEvaluate, mapping.Input, roundMs));
                    thisOps.Add(Time(thisEvaluate, mapping.Input, roundMs));
                }
            }

            var t = Median(thisOps);
            var o = Median(otherOps);
            var ratio = t / o;
            var best = thisOps.Max() / otherOps.Max();
            logRatios.Add(Math.Log(ratio));
            bestLogRatios.Add(Math.Log(best));
            if (mapping.Name != "tutorial")
            {
                mixedLogRatios.Add(Math.Log(ratio));
                bestMixedLogRatios.Add(Math.Log(best));
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {mapping.Name} | {1e6 / t:F2} | {1e6 / o:F2} | {ratio:F3} | {best:F3} |"));
        }

        Console.WriteLine();
        if (mixedLogRatios.Count > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"mixed set geometric mean this/other: {Math.Exp(mixedLogRatios.Average()):F3} (median rounds), {Math.Exp(bestMixedLogRatios.Average()):F3} (best rounds)"));
        }

        if (logRatios.Count > 0)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"all mappings geometric mean this/other: {Math.Exp(logRatios.Average()):F3} (median rounds), {Math.Exp(bestLogRatios.Average()):F3} (best rounds)"));
        }

        return failed ? 1 : 0;
    }

    private static int Option(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    /// <summary>Evaluations per second over about <paramref name="ms"/> milliseconds, in batches of about 1 ms between clock reads.</summary>
    private static double Time(Evaluate evaluate, JToken input, int ms)
    {
        var batch = 1;
        var sw = Stopwatch.StartNew();
        while (true)
        {
            var t0 = sw.Elapsed;
            for (var i = 0; i < batch; i++)
            {
                evaluate(input, null, default);
            }

            if ((sw.Elapsed - t0).TotalMilliseconds >= 1)
            {
                break;
            }

            batch *= 2;
        }

        long ops = 0;
        sw.Restart();
        while (sw.ElapsedMilliseconds < ms)
        {
            for (var i = 0; i < batch; i++)
            {
                evaluate(input, null, default);
            }

            ops += batch;
        }

        return ops / sw.Elapsed.TotalSeconds;
    }

    private static double Median(List<double> xs)
    {
        var s = xs.Order().ToList();
        return s.Count % 2 == 1 ? s[s.Count / 2] : (s[(s.Count / 2) - 1] + s[s.Count / 2]) / 2;
    }

    /// <summary>
    /// The assembly holding the other build's engine: <c>Flows.Sdk.Jsonata.dll</c> since the engine has its own package,
    /// <c>Flows.Sdk.dll</c> before; given the core of a later build, the engine package beside it.
    /// </summary>
    private static string OtherEngineAssembly(string path)
    {
        var beside = Path.Combine(Path.GetDirectoryName(path)!, "Flows.Sdk.Jsonata.dll");
        return Path.GetFileName(path) == "Flows.Sdk.dll" && File.Exists(beside) ? beside : path;
    }

    /// <summary>
    /// The other build's engine assembly and the Flows.Sdk assemblies beside it (and anything else beside it that this
    /// process has not loaded), sharing the rest.
    /// </summary>
    private sealed class OtherBuild(string path) : AssemblyLoadContext("other-build", isCollectible: false)
    {
        private readonly AssemblyDependencyResolver _resolver = new(path);

        protected override Assembly? Load(AssemblyName assemblyName)
        {
            // share Newtonsoft.Json and the framework with this build, so that tokens cross over; never our own
            // assemblies, or the other build would run this build's engine
            var ours = assemblyName.Name is "Flows.Sdk" or "Flows.Sdk.Jsonata";
            if (!ours && Default.Assemblies.Any(a => a.GetName().Name == assemblyName.Name))
            {
                return null;
            }

            var resolved = _resolver.ResolveAssemblyToPath(assemblyName);
            return resolved != null ? LoadFromAssemblyPath(resolved) : null;
        }
    }
}
