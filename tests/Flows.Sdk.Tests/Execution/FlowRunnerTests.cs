using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

public sealed class FlowRunnerTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost();

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private async Task<FlowExecution> RunAsync(string flowId, string body)
    {
        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flowId, body: body));
        response.StatusCode.Should().Be(200);
        var execution = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);
        return (await _host.Services.GetRequiredService<IExecutionStore>().GetAsync(execution.Id))!;
    }

    [Test]
    public async Task A_successful_run_records_every_steps_input_and_output()
    {
        var credential = await _host.TestCredentialAsync(region: "eu");
        var flow = await _host.LiveFlowAsync(null, TestHost.Action("step_2", "echo", credential, ("value", "petname")));

        var execution = await RunAsync(flow.Id, """{"petname": "Gromit"}""");

        execution.Status.Should().Be(ExecutionStatus.Succeeded);
        execution.FinishedAt.Should().NotBeNull();
        execution.Steps.Select(s => s.StepId).Should().Equal("step_1", "step_2");
        execution.Steps[0].Output!["petname"]!.ToString().Should().Be("Gromit");
        JToken.DeepEquals(execution.Steps[1].Input, new JObject { ["value"] = "Gromit" }).Should().BeTrue();
        execution.Steps[1].Output!["echo"]!["value"]!.ToString().Should().Be("Gromit");
        execution.Steps[1].Output!["region"]!.ToString().Should().Be("eu");
    }

    [Test]
    public async Task Each_emitted_message_goes_on_to_the_next_step_separately()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null,
            TestHost.Action("split", "fanout", credential, ("value", "list")),
            TestHost.Action("echo", "echo", credential, ("value", "part")));

        var execution = await RunAsync(flow.Id, """{"list": "a,b,c"}""");

        execution.Status.Should().Be(ExecutionStatus.Succeeded);
        execution.Steps.Where(s => s.StepId == "echo").Select(s => s.Input!["value"]!.ToString()).Should().Equal("a", "b", "c");
        execution.Steps.Single(s => s.StepId == "split").Output.Should().BeOfType<JArray>().Which.Should().HaveCount(3);
    }

    [Test]
    public async Task Later_steps_can_map_from_earlier_steps_outputs()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null,
            TestHost.Action("first", "echo", credential, ("value", "a")),
            TestHost.Action("second", "echo", credential, ("value", "echo.value"), ("extra", "$steps.step_1.b")));

        var execution = await RunAsync(flow.Id, """{"a": "from-a", "b": "from-b"}""");

        execution.Steps.Single(s => s.StepId == "second").Input!.ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"value":"from-a","extra":"from-b"}""");
    }

    [Test]
    public async Task A_throwing_action_fails_the_step_and_the_execution_with_its_message()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null,
            TestHost.Action("step_2", "fail", credential, ("value", "x")),
            TestHost.Action("step_3", "echo", credential, ("value", "x")));

        var execution = await RunAsync(flow.Id, """{"x": "boom"}""");

        execution.Status.Should().Be(ExecutionStatus.Failed);
        var failed = execution.Steps.Should().Contain(s => s.StepId == "step_2").Which;
        failed.Status.Should().Be(ExecutionStatus.Failed);
        failed.Error!.Type.Should().Be(nameof(InvalidOperationException));
        failed.Error.Message.Should().Be("cannot handle 'boom'");
        execution.Steps.Should().NotContain(s => s.StepId == "step_3");
    }

    [Test]
    public async Task A_required_input_whose_mapping_gives_nothing_fails_the_step_naming_the_field()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null, TestHost.Action("step_2", "echo", credential, ("value", "missing.path")));

        var execution = await RunAsync(flow.Id, """{"x": 1}""");

        execution.Status.Should().Be(ExecutionStatus.Failed);
        execution.Steps[1].Error!.Type.Should().Be("InputValidationError");
        execution.Steps[1].Error!.Message.Should().Contain("'value'").And.Contain("missing.path");
    }

    [Test]
    public async Task A_message_accepted_for_version_1_runs_version_1_after_version_2_is_published()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null, TestHost.Action("step_2", "echo", credential, ("value", "a")));
        await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: """{"a": "1", "b": "2"}"""));
        await _host.Flows.UpdateDraftAsync(flow.Id, flow.Draft with { Steps = [TestHost.Trigger(), TestHost.Action("step_2", "echo", credential, ("value", "b"))] });
        await _host.Flows.PublishAsync(flow.Id);

        var execution = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);

        execution.FlowVersion.Should().Be(1);
        execution.Steps[1].Input!["value"]!.ToString().Should().Be("1");
    }

    [Test]
    public async Task The_run_log_lists_a_flows_executions_newest_first_and_filters_by_status()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null, TestHost.Action("step_2", "echo", credential, ("value", "v")));
        var ok = await RunAsync(flow.Id, """{"v": "x"}""");
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        var failed = await RunAsync(flow.Id, """{"nothing": 1}""");
        var store = _host.Services.GetRequiredService<IExecutionStore>();

        var all = await store.ListAsync(new ExecutionQuery(flow.Id));
        var onlyFailed = await store.ListAsync(new ExecutionQuery(flow.Id) { Status = ExecutionStatus.Failed });

        all.Select(e => e.Id).Should().Equal(failed.Id, ok.Id);
        onlyFailed.Select(e => e.Id).Should().Equal(failed.Id);
    }
}
