using System.Diagnostics;
using System.Globalization;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// A load-tolerant cross-check of <see cref="HmacVerificationBenchmarks"/> for busy shared machines: the methods run in
/// turns, round after round, so a burst of load from other processes hits all of them alike; per method it reports the
/// median and the minimum of the per-round times, and the ratio of medians to the BCL baseline.
/// Run: <c>dotnet run -c Release -- interleaved-hmac [rounds]</c>.
/// </summary>
internal static class HmacInterleavedCheck
{
    public static void Run(int rounds)
    {
        foreach (var size in new[] { 1024, 1024 * 1024 })
        {
            var bench = new HmacVerificationBenchmarks { BodySize = size };
            bench.Setup();
            var methods = new (string Name, Func<bool> Run)[]
            {
                ("BCL HMACSHA256.HashData + FixedTimeEquals (plain)", bench.Bcl),
                ("Flows.Sdk plain hmac (one-shot span)", bench.OursPlain),
                ("Flows.Sdk plain hmac (incremental, 4 KiB segments)", bench.OursPlainIncremental),
                ("Flows.Sdk standard-webhooks preset (one-shot span)", bench.OursStandardWebhooks),
                ("StandardWebhooks 1.1.2 package", bench.StandardWebhooksPackage),
            };
            var callsPerTurn = size <= 4096 ? 2000 : 4;
            var times = methods.Select(_ => new List<double>()).ToArray();
            for (var round = -3; round < rounds; round++)
            {
                for (var m = 0; m < methods.Length; m++)
                {
                    var stopwatch = Stopwatch.StartNew();
                    for (var i = 0; i < callsPerTurn; i++)
                    {
                        methods[m].Run();
                    }

                    if (round >= 0)
                    {
                        times[m].Add(stopwatch.Elapsed.TotalMicroseconds / callsPerTurn);
                    }
                }
            }

            bench.Cleanup();
            var baseline = Median(times[0]);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"Body {size} B, {rounds} rounds x {callsPerTurn} calls per method, interleaved:"));
            Console.WriteLine("| Method | Median | Min | Ratio (medians) |");
            Console.WriteLine("|---|---:|---:|---:|");
            for (var m = 0; m < methods.Length; m++)
            {
                var median = Median(times[m]);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {methods[m].Name} | {median:F3} us | {times[m].Min():F3} us | {median / baseline:F2} |"));
            }

            Console.WriteLine();
        }
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToArray();
        return sorted.Length % 2 == 1 ? sorted[sorted.Length / 2] : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
    }
}
