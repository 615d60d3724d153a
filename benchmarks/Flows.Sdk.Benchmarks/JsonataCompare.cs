using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// Our engine against the reference implementation (npm <c>jsonata</c> 2.x on Node) on the mappings of
/// <c>benchmarks/jsonata-vs-js/mappings.json</c>, same method on both sides: compile once, check that both give the same
/// result, warm up, then timed rounds of a fixed length taken in turns (ours, theirs, theirs, ours, ...) so that load from
/// other processes hits both alike; the median round is the figure. Node runs <c>bench.mjs --serve</c>, which times its own
/// rounds (awaiting every <c>evaluate</c>) and answers over stdin/stdout.
/// Run: <c>benchmarks/jsonata-vs-js/run.sh</c>, or
/// <c>dotnet run -c Release --project benchmarks/Flows.Sdk.Benchmarks -- jsonata-compare benchmarks/jsonata-vs-js/mappings.json</c>
/// (options: <c>--rounds 7 --round-ms 200 --warmup-ms 500 --only a,b --no-node</c>). Exit code 1 on a result mismatch.
/// </summary>
internal static class JsonataCompare
{
    private const double TutorialTarget = 20, MixedTarget = 5;

    private static object? _sink;

    public static int Run(string[] args)
    {
        var file = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal) && a.EndsWith(".json", StringComparison.Ordinal))
            ?? JsonataMappingsFile.Locate();
        var rounds = IntOption(args, "--rounds", 7);
        var roundMs = IntOption(args, "--round-ms", 200);
        var warmupMs = IntOption(args, "--warmup-ms", 500);
        var only = Option(args, "--only")?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var withNode = !args.Contains("--no-node");
        var benchScript = Option(args, "--node") ?? Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, "bench.mjs");

        var mappings = JsonataMappingsFile.Load(file).Where(m => only is null || only.Contains(m.Name)).ToList();
        var engine = new JsonataMappingEngine();
        using var node = withNode ? new NodeSide(benchScript) : null;
        var nodeInfo = node?.Send(new JObject { ["cmd"] = "load", ["file"] = Path.GetFullPath(file) });

        Console.WriteLine($"{mappings.Count} mappings from {file}");
        Console.WriteLine($"ours: Flows.Sdk JsonataMappingEngine, .NET {Environment.Version}, {(Debugger.IsAttached ? "debugger attached" : "no debugger")}, " +
            $"{(IsOptimized() ? "Release" : "DEBUG BUILD")}; theirs: {(node is null ? "not run" : $"jsonata {nodeInfo!["jsonata"]} on node {nodeInfo["node"]}")}");
        Console.WriteLine($"method: compile once, {warmupMs} ms warm-up each, then {rounds} rounds of {roundMs} ms per side taken in turns, median round; " +
            $"compile: {rounds} rounds of {roundMs / 2} ms per side, median");
        Console.WriteLine($"load average at start: {LoadAverage()}");
        Console.WriteLine();

        var rows = new List<Row>();
        var mismatches = 0;
        foreach (var m in mappings)
        {
            var row = new Row(m.Name);
            rows.Add(row);
            IMappingExpression compiled;
            JToken? ours;
            try
            {
                compiled = engine.Compile(m.Expression);
                ours = compiled.Evaluate(m.Input);
            }
            catch (Exception e)
            {
                row.Problem = $"ours failed: {e.Message}";
                mismatches++;
                Console.Error.WriteLine($"{m.Name}: {row.Problem}");
                continue;
            }

            if (node is not null)
            {
                var theirs = node.Send(new JObject { ["cmd"] = "result", ["name"] = m.Name });
                if (theirs["error"] is { } error)
                {
                    row.Problem = $"jsonata-js failed: {error}";
                }
                else if (!ResultEquals(ours, theirs.Value<bool?>("undefined") == true ? null : theirs["result"], "$", out var where))
                {
                    row.Problem = $"results differ at {where}";
                    Console.Error.WriteLine($"{m.Name}: RESULT MISMATCH at {where}\n  ours:   {Show(ours)}\n  theirs: {Show(theirs["result"])}");
                }

                if (row.Problem is not null)
                {
                    mismatches++;
                    continue;
                }
            }

            // Warm-up (also sizes the batches: calls per ~1 ms between clock reads, the same rule on both sides).
            var warm = Timed(() => _sink = compiled.Evaluate(m.Input), 1, warmupMs);
            var batch = BatchFor(warm);
            var compileWarm = Timed(() => _sink = engine.Compile(m.Expression), 1, Math.Max(50, warmupMs / 5));
            var compileBatch = BatchFor(compileWarm);
            node?.Send(new JObject { ["cmd"] = "warmup", ["name"] = m.Name, ["ms"] = warmupMs });

            var ourEvals = new List<double>();
            var theirEvals = new List<double>();
            var ourCompiles = new List<double>();
            var theirCompiles = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                var oursFirst = round % 2 == 0;
                if (oursFirst) OurEval();
                TheirEval();
                if (!oursFirst) OurEval();
            }

            for (var round = 0; round < rounds; round++)
            {
                var oursFirst = round % 2 == 0;
                if (oursFirst) OurCompile();
                TheirCompile();
                if (!oursFirst) OurCompile();
            }

            row.OursOps = Median(ourEvals);
            row.TheirsOps = node is null ? double.NaN : Median(theirEvals);
            row.OursCompileUs = Median(ourCompiles);
            row.TheirsCompileUs = node is null ? double.NaN : Median(theirCompiles);
            Console.Error.WriteLine($"  {m.Name}: ours {row.OursOps:N0}/s, theirs {row.TheirsOps:N0}/s");

            void OurEval()
            {
                var (ops, seconds) = Timed(() => _sink = compiled.Evaluate(m.Input), batch, roundMs);
                ourEvals.Add(ops / seconds);
            }

            void TheirEval()
            {
                if (node is null) return;
                var r = node.Send(new JObject { ["cmd"] = "eval", ["name"] = m.Name, ["ms"] = roundMs });
                theirEvals.Add(r.Value<double>("ops") / (r.Value<double>("ns") / 1e9));
            }

            void OurCompile()
            {
                var (ops, seconds) = Timed(() => _sink = engine.Compile(m.Expression), compileBatch, roundMs / 2);
                ourCompiles.Add(seconds * 1e6 / ops);
            }

            void TheirCompile()
            {
                if (node is null) return;
                var r = node.Send(new JObject { ["cmd"] = "compile", ["name"] = m.Name, ["ms"] = roundMs / 2 });
                theirCompiles.Add(r.Value<double>("ns") / 1e3 / r.Value<double>("ops"));
            }
        }

        Console.WriteLine($"load average at end: {LoadAverage()}");
        Console.WriteLine();
        Console.WriteLine("Evaluation (median round):");
        Console.WriteLine();
        Console.WriteLine("| Mapping | ours ops/s | jsonata-js ops/s | ratio | ours µs | jsonata-js µs |");
        Console.WriteLine("|---|---:|---:|---:|---:|---:|");
        foreach (var r in rows)
        {
            Console.WriteLine(r.Problem is not null
                ? $"| {r.Name} | — | — | **{r.Problem}** | | |"
                : $"| {r.Name} | {F0(r.OursOps)} | {F0(r.TheirsOps)} | {F1(r.OursOps / r.TheirsOps)}× | {F2(1e6 / r.OursOps)} | {F2(1e6 / r.TheirsOps)} |");
        }

        Console.WriteLine();
        Console.WriteLine("Compilation (median round, µs per compile):");
        Console.WriteLine();
        Console.WriteLine("| Mapping | ours µs | jsonata-js µs | ratio |");
        Console.WriteLine("|---|---:|---:|---:|");
        foreach (var r in rows.Where(r => r.Problem is null))
        {
            Console.WriteLine($"| {r.Name} | {F2(r.OursCompileUs)} | {F2(r.TheirsCompileUs)} | {F1(r.TheirsCompileUs / r.OursCompileUs)}× |");
        }

        Console.WriteLine();
        var ok = rows.Where(r => r.Problem is null).ToList();
        var tutorial = ok.FirstOrDefault(r => r.Name == "tutorial");
        var mixed = ok.Where(r => r.Name != "tutorial").ToList();
        if (node is not null)
        {
            if (tutorial is not null)
            {
                var ratio = tutorial.OursOps / tutorial.TheirsOps;
                Console.WriteLine($"tutorial ratio: {F1(ratio)}× (target ≥ {TutorialTarget}×: {(ratio >= TutorialTarget ? "met" : "MISSED")})");
            }

            if (mixed.Count > 0)
            {
                var geo = GeoMean(mixed.Select(r => r.OursOps / r.TheirsOps));
                Console.WriteLine($"mixed set ({mixed.Count} mappings, all but the tutorial) geometric mean ratio: {F1(geo)}× " +
                    $"(target ≥ {MixedTarget}×: {(geo >= MixedTarget ? "met" : "MISSED")}); lowest {F1(mixed.Min(r => r.OursOps / r.TheirsOps))}× ({mixed.MinBy(r => r.OursOps / r.TheirsOps)!.Name})");
                Console.WriteLine($"compile geometric mean ratio (theirs µs / ours µs, all mappings): {F1(GeoMean(ok.Select(r => r.TheirsCompileUs / r.OursCompileUs)))}×");
            }
        }

        if (mismatches > 0)
        {
            Console.WriteLine($"{mismatches} mapping(s) did not give the same result in both engines: no ratio reported for them");
            node?.Quit();
            return 1;
        }

        node?.Quit();
        return 0;
    }

    /// <summary>Deep equality of two JSON results; numbers compare numerically (2 equals 2.0), object key order does not matter.</summary>
    internal static bool ResultEquals(JToken? a, JToken? b, string path, out string where)
    {
        where = path;
        if (a is null || b is null)
        {
            return a is null && b is null;
        }

        if (IsNumber(a) && IsNumber(b))
        {
            return a.Value<double>() == b.Value<double>();
        }

        if (a.Type != b.Type)
        {
            return false;
        }

        switch (a)
        {
            case JObject oa:
            {
                var ob = (JObject)b;
                if (oa.Count != ob.Count)
                {
                    where = $"{path} (keys: {string.Join(",", oa.Properties().Select(p => p.Name))} vs {string.Join(",", ob.Properties().Select(p => p.Name))})";
                    return false;
                }

                foreach (var p in oa.Properties())
                {
                    if (!ob.TryGetValue(p.Name, out var other) || !ResultEquals(p.Value, other, $"{path}.{p.Name}", out where))
                    {
                        return false;
                    }
                }

                return true;
            }

            case JArray aa:
            {
                var ab = (JArray)b;
                if (aa.Count != ab.Count)
                {
                    where = $"{path} (length {aa.Count} vs {ab.Count})";
                    return false;
                }

                for (var i = 0; i < aa.Count; i++)
                {
                    if (!ResultEquals(aa[i], ab[i], $"{path}[{i}]", out where))
                    {
                        return false;
                    }
                }

                return true;
            }

            default:
                return JToken.DeepEquals(a, b);
        }

        static bool IsNumber(JToken t) => t.Type is JTokenType.Integer or JTokenType.Float;
    }

    private static (long Ops, double Seconds) Timed(Action op, int batch, int ms)
    {
        var limit = (long)(ms / 1000.0 * Stopwatch.Frequency);
        long ops = 0;
        var start = Stopwatch.GetTimestamp();
        long elapsed;
        do
        {
            for (var i = 0; i < batch; i++)
            {
                op();
            }

            ops += batch;
            elapsed = Stopwatch.GetTimestamp() - start;
        }
        while (elapsed < limit);
        return (ops, (double)elapsed / Stopwatch.Frequency);
    }

    private static int BatchFor((long Ops, double Seconds) warm) => Math.Max(1, (int)Math.Round(warm.Ops / (warm.Seconds * 1000)));

    private static double Median(List<double> xs)
    {
        if (xs.Count == 0) return double.NaN;
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static double GeoMean(IEnumerable<double> xs)
    {
        var list = xs.ToList();
        return Math.Exp(list.Sum(Math.Log) / list.Count);
    }

    private static string F0(double x) => double.IsNaN(x) ? "—" : x.ToString("N0", CultureInfo.InvariantCulture);
    private static string F1(double x) => double.IsNaN(x) ? "—" : x.ToString("0.0", CultureInfo.InvariantCulture);
    private static string F2(double x) => double.IsNaN(x) ? "—" : x.ToString("0.00", CultureInfo.InvariantCulture);
    private static string Show(JToken? t) { var s = t?.ToString(Formatting.None) ?? "undefined"; return s.Length > 400 ? s[..400] + "…" : s; }
    private static string LoadAverage() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Trim() : "n/a";
    private static string? Option(string[] args, string name) { var i = Array.IndexOf(args, name); return i >= 0 && i + 1 < args.Length ? args[i + 1] : null; }
    private static int IntOption(string[] args, string name, int dflt) => Option(args, name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : dflt;

    private static bool IsOptimized() =>
        typeof(JsonataMappingEngine).Assembly.GetCustomAttributes(typeof(DebuggableAttribute), false)
            .OfType<DebuggableAttribute>().All(d => !d.IsJITOptimizerDisabled);

    private sealed class Row(string name)
    {
        public string Name { get; } = name;
        public string? Problem { get; set; }
        public double OursOps { get; set; } = double.NaN;
        public double TheirsOps { get; set; } = double.NaN;
        public double OursCompileUs { get; set; } = double.NaN;
        public double TheirsCompileUs { get; set; } = double.NaN;
    }

    /// <summary><c>node bench.mjs --serve</c> as a child process: one JSON command per line, one JSON reply per line.</summary>
    private sealed class NodeSide : IDisposable
    {
        private readonly Process _process;

        public NodeSide(string script)
        {
            var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("NODE") ?? "node")
            {
                WorkingDirectory = Path.GetDirectoryName(Path.GetFullPath(script))!,
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                UseShellExecute = false,
                StandardInputEncoding = new UTF8Encoding(false),
                StandardOutputEncoding = Encoding.UTF8,
            };
            info.ArgumentList.Add(Path.GetFullPath(script));
            info.ArgumentList.Add("--serve");
            _process = Process.Start(info) ?? throw new InvalidOperationException("could not start node");
        }

        public JObject Send(JObject command)
        {
            _process.StandardInput.WriteLine(command.ToString(Formatting.None));
            _process.StandardInput.Flush();
            var line = _process.StandardOutput.ReadLine() ?? throw new InvalidOperationException("node exited");
            using var reader = new JsonTextReader(new StringReader(line)) { DateParseHandling = DateParseHandling.None };
            var reply = JObject.Load(reader);
            if (reply["fatal"] is { } fatal)
            {
                throw new InvalidOperationException($"node: {fatal}");
            }

            return reply;
        }

        public void Quit()
        {
            if (_process.HasExited) return;
            _process.StandardInput.WriteLine("""{"cmd":"quit"}""");
            _process.StandardInput.Flush();
            _process.WaitForExit(5000);
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                _process.Kill();
            }

            _process.Dispose();
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    internal static object? Sink() => _sink;
}
