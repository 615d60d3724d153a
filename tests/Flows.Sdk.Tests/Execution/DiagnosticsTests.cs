using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using Flows.Sdk.Execution;
using Flows.Sdk.Tests.Support;

namespace Flows.Sdk.Tests.Execution;

[NonParallelizable]
public sealed class DiagnosticsTests
{
    [Test]
    public async Task Executions_and_steps_are_traced_and_counted_under_the_Flows_Sdk_name()
    {
        await using var host = new TestHost();
        var activities = new ConcurrentBag<Activity>();
        using var activityListener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == "Flows.Sdk",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activities.Add,
        };
        ActivitySource.AddActivityListener(activityListener);
        var measurements = new ConcurrentBag<(string Instrument, double Value, string? Tag)>();
        using var meterListener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == "Flows.Sdk")
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meterListener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, Tag(tags))));
        meterListener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Add((instrument.Name, value, Tag(tags))));
        meterListener.Start();

        var flow = await host.LiveFlowAsync(null, TestHost.Engine("counter", "count", ("key", "'k'")));
        (await host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);
        (await host.Receiver.ReceiveAsync(TestHost.Request("unknown-flow", body: "{}"))).StatusCode.Should().Be(404);
        var execution = await host.Runner.RunAsync(await host.DequeueAsync(), CancellationToken.None);

        activities.Should().Contain(a => a.OperationName == "flows.execution" && (string?)a.GetTagItem("flows.execution_id") == execution.Id);
        activities.Should().Contain(a => a.OperationName == "flows.step" && (string?)a.GetTagItem("flows.step_id") == "counter");
        measurements.Should().Contain(m => m.Instrument == "flows.hooks.accepted");
        measurements.Should().Contain(m => m.Instrument == "flows.hooks.refused" && m.Tag == "404");
        measurements.Should().Contain(m => m.Instrument == "flows.executions" && m.Tag == "succeeded");
        measurements.Should().Contain(m => m.Instrument == "flows.step.duration");
    }

    private static string? Tag(ReadOnlySpan<KeyValuePair<string, object?>> tags) => tags.Length == 0 ? null : tags[0].Value?.ToString();
}
