using System.Globalization;
using BenchmarkDotNet.Running;
using Flows.Sdk.Benchmarks;

if (args.Length > 0 && args[0] == "interleaved-hmac")
{
    HmacInterleavedCheck.Run(args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 60);
    return;
}

if (args.Length > 0 && args[0] == "jsonata-compare")
{
    Environment.ExitCode = JsonataCompare.Run(args[1..]);
    return;
}

if (args.Length > 0 && args[0] == "jsonata-ab")
{
    Environment.ExitCode = JsonataAb.Run(args[1..]);
    return;
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
