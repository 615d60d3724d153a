using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Reflection;

namespace Flows.Sdk.Diagnostics;

/// <summary>
/// The engine's <see cref="ActivitySource"/> and <see cref="Meter"/>, both named <c>Flows.Sdk</c>.
/// Instruments are stateless publishers; listeners decide what to keep.
/// </summary>
internal static class FlowsTelemetry
{
    public const string Name = "Flows.Sdk";

    private static readonly string? Version = typeof(FlowsTelemetry).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;

    public static readonly ActivitySource ActivitySource = new(Name, Version);

    public static readonly Meter Meter = new(Name, Version);

    public static readonly Counter<long> HooksAccepted = Meter.CreateCounter<long>("flows.hooks.accepted", "{request}", "Hook requests accepted and queued.");

    public static readonly Counter<long> HooksRefused = Meter.CreateCounter<long>("flows.hooks.refused", "{request}", "Hook requests refused, by status code.");

    public static readonly Counter<long> Executions = Meter.CreateCounter<long>("flows.executions", "{execution}", "Executions ended, by outcome.");

    public static readonly Histogram<double> StepDuration = Meter.CreateHistogram<double>("flows.step.duration", "ms", "Duration of step runs.");
}
