using System.Text;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

/// <summary>The trigger's output written once from the message's bytes, and the in-memory run log keeping step data compactly.</summary>
[CancelAfter(60_000)]
public sealed class CompactRunLogTests
{
    [Test]
    public async Task A_trigger_only_execution_records_the_whole_trigger_output_with_the_request_winning()
    {
        await using var host = new TestHost();
        var flow = await host.LiveFlowAsync(null);
        (await host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: """{"petname": "Gromit", "_method": "forged", "n": 1.5}""",
            headers: new Dictionary<string, string> { ["X-Custom"] = "yes", ["Authorization"] = "Bearer secret" }, query: new Dictionary<string, string> { ["q"] = "1" },
            additionalPath: "more"))).StatusCode.Should().Be(200);

        var execution = await host.WithClockAsync(host.Runner.RunAsync(await host.DequeueAsync(), CancellationToken.None), TimeSpan.FromSeconds(1));
        var stored = await host.Services.GetRequiredService<IExecutionStore>().GetAsync(execution.Id);

        execution.Status.Should().Be(ExecutionStatus.Succeeded);
        var output = (JObject)stored!.Steps.Should().ContainSingle().Which.Output!;
        output["petname"]!.Value<string>().Should().Be("Gromit");
        output["n"]!.Value<double>().Should().Be(1.5);
        output["_method"]!.Value<string>().Should().Be("POST");
        output["_query"]!["q"]!.Value<string>().Should().Be("1");
        output["_headers"]!["x-custom"]!.Value<string>().Should().Be("yes");
        output["_headers"]!["authorization"]!.Value<string>().Should().Be("***");
        output["_additionalUrlPath"]!.Value<string>().Should().Be("more");
        stored.Steps[0].Output.Should().BeSameAs(output, "a read execution's steps are made into trees once");
        (await host.Services.GetRequiredService<IExecutionStore>().GetAsync(execution.Id))!.Steps[0].Output.Should().NotBeSameAs(output, "each read gets its own trees");
    }

    [Test]
    public async Task A_full_in_memory_run_log_of_1_KiB_messages_costs_megabytes()
    {
        const int Executions = 10_000;
        var store = new InMemoryExecutionStore(Options.Create(new WebhookFlowsOptions { RunLogMaxCountPerFlow = Executions }));
        var body = new StringBuilder("{\"event\":\"pet.created\",\"tags\":[");
        for (var i = 0; body.Length < 1000; i++)
        {
            body.Append(i == 0 ? "" : ",").Append("{\"id\":").Append(i).Append(",\"name\":\"tag-").Append(i).Append("\"}");
        }

        var payload = MessageBody.FromUtf8(Encoding.UTF8.GetBytes(body.Append("]}").ToString()));
        var request = new TriggerRequest("POST", "http://127.0.0.1/hook/f", "", [], [new("content-type", "application/json"), new("user-agent", "test")]);
        var t0 = new DateTimeOffset(2026, 12, 3, 0, 0, 0, TimeSpan.Zero);
        var before = GC.GetTotalMemory(forceFullCollection: true);
        for (var i = 0; i < Executions; i++)
        {
            var id = "e" + i.ToString("D8", System.Globalization.CultureInfo.InvariantCulture);
            var execution = new FlowExecution { Id = id, FlowId = "f", FlowVersion = 1, RequestId = "r" + i, MessageId = "m" + i, Status = ExecutionStatus.Running, StartedAt = t0.AddTicks(i) };
            var trigger = new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, StartedAt = t0 };
            await store.StartAsync(execution, trigger, TriggerOutput.Compose(payload, request), CancellationToken.None);
            await store.FinishAsync(id, false, null, t0.AddTicks(i + 1));
        }

        var after = GC.GetTotalMemory(forceFullCollection: true);

        store.Count.Should().Be(Executions);
        var perExecution = (after - before) / Executions;
        perExecution.Should().BeLessThan(4_000, $"a 1 KiB message's execution is kept as bytes ({after - before:N0} bytes for {Executions:N0}), not as a tree (≈ 40 KB)");
        (await store.GetAsync("e00000042"))!.Steps[0].Output!["tags"]!.Should().NotBeNull();
    }
}
