using Flows.Sdk.Flows;
using Flows.Sdk.Tests.Support;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Lifecycle;

public sealed class FlowLifecycleTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost();

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private async Task<Flow> CreateAsync(params StepDefinition[] steps) =>
        await _host.Flows.CreateAsync(new FlowDraft("flow", steps));

    private async Task<FlowValidationException> PublishFailsAsync(Flow flow)
    {
        var act = async () => await _host.Flows.PublishAsync(flow.Id);
        return (await act.Should().ThrowAsync<FlowValidationException>()).Which;
    }

    [Test]
    public async Task A_new_flow_is_a_draft_without_versions()
    {
        var flow = await CreateAsync(TestHost.Trigger());

        flow.State.Should().Be(FlowState.Draft);
        flow.LatestVersion.Should().BeNull();
        flow.LiveVersion.Should().BeNull();
    }

    [Test]
    public async Task Publish_rejects_a_draft_whose_first_step_is_not_a_trigger()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await CreateAsync(TestHost.Action("step_1", "echo", credential, ("value", "a")));

        var error = await PublishFailsAsync(flow);

        error.Errors.Should().ContainSingle(e => e.StepId == "step_1" && e.Field == "function")
            .Which.Message.Should().Contain("first step must be a trigger");
    }

    [Test]
    public async Task Publish_rejects_a_trigger_after_the_first_step()
    {
        var flow = await CreateAsync(TestHost.Trigger(), TestHost.Trigger() with { Id = "step_2" });

        var error = await PublishFailsAsync(flow);

        error.Errors.Should().ContainSingle(e => e.StepId == "step_2" && e.Field == "function");
    }

    [Test]
    public async Task Publish_rejects_an_unknown_component_and_an_unknown_action()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await CreateAsync(
            TestHost.Trigger(),
            TestHost.Action("step_2", "nope", credential),
            TestHost.Action("step_3", "echo", null, ("value", "a")) with { ComponentId = "missing" });

        var error = await PublishFailsAsync(flow);

        error.Errors.Should().Contain(e => e.StepId == "step_2" && e.Field == "function" && e.Message.Contains("no action 'nope'"));
        error.Errors.Should().Contain(e => e.StepId == "step_3" && e.Field == "componentId" && e.Message.Contains("Unknown component 'missing'"));
    }

    [Test]
    public async Task Publish_rejects_a_draft_whose_required_field_is_unmapped()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await CreateAsync(TestHost.Trigger(), TestHost.Action("step_2", "echo", credential, ("extra", "a")));

        var error = await PublishFailsAsync(flow);

        error.Errors.Should().ContainSingle().Which.Should().Be(
            new FlowValidationError("step_2", "mapping.value", "The required input field 'value' of 'echo' is not mapped."));
        error.Message.Should().Contain("step_2").And.Contain("mapping.value");
    }

    [Test]
    public async Task Publish_rejects_a_mapping_of_a_field_the_action_does_not_have()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await CreateAsync(TestHost.Trigger(), TestHost.Action("step_2", "echo", credential, ("value", "a"), ("colour", "b")));

        var error = await PublishFailsAsync(flow);

        error.Errors.Should().ContainSingle(e => e.Field == "mapping.colour");
    }

    [Test]
    public async Task Publish_rejects_an_expression_that_does_not_compile_naming_step_field_and_position()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await CreateAsync(TestHost.Trigger(), TestHost.Action("step_2", "echo", credential, ("value", "'unterminated")));

        var error = await PublishFailsAsync(flow);

        var only = error.Errors.Should().ContainSingle().Which;
        only.StepId.Should().Be("step_2");
        only.Field.Should().Be("mapping.value");
        only.Message.Should().Contain("position");
    }

    [Test]
    public async Task Publish_rejects_a_missing_credential_and_one_of_another_component()
    {
        var webhookCredential = (await _host.Credentials.CreateAsync("hook", "webhook", new JObject { ["type"] = "none" })).Id;
        var flow = await CreateAsync(
            TestHost.Trigger(),
            TestHost.Action("step_2", "echo", "does-not-exist", ("value", "a")),
            TestHost.Action("step_3", "echo", webhookCredential, ("value", "a")),
            TestHost.Action("step_4", "echo", null, ("value", "a")));

        var error = await PublishFailsAsync(flow);

        error.Errors.Should().Contain(e => e.StepId == "step_2" && e.Field == "credentialId" && e.Message.Contains("does not exist"));
        error.Errors.Should().Contain(e => e.StepId == "step_3" && e.Field == "credentialId" && e.Message.Contains("belongs to component 'webhook'"));
        error.Errors.Should().Contain(e => e.StepId == "step_4" && e.Field == "credentialId" && e.Message.Contains("needs a credential"));
    }

    [Test]
    public async Task Start_refuses_a_flow_that_was_never_published()
    {
        var flow = await CreateAsync(TestHost.Trigger());

        var act = async () => await _host.Flows.StartAsync(flow.Id);

        (await act.Should().ThrowAsync<FlowStateException>()).Which.Message.Should().Contain("no published version");
        (await _host.Flows.GetAsync(flow.Id))!.State.Should().Be(FlowState.Draft);
    }

    [Test]
    public async Task Publish_numbers_versions_and_keeps_published_versions_unchanged_when_the_draft_changes()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await CreateAsync(TestHost.Trigger(), TestHost.Action("step_2", "echo", credential, ("value", "a")));

        var first = await _host.Flows.PublishAsync(flow.Id);
        await _host.Flows.UpdateDraftAsync(flow.Id, new FlowDraft("renamed", [TestHost.Trigger(), TestHost.Action("step_2", "echo", credential, ("value", "b"))]));
        var second = await _host.Flows.PublishAsync(flow.Id);

        first.Version.Number.Should().Be(1);
        second.Version.Number.Should().Be(2);
        var stored = await _host.Flows.GetVersionAsync(flow.Id, 1);
        stored!.Definition.Name.Should().Be("flow");
        stored.Definition.Steps[1].Mapping!["value"].Should().Be("a");
        (await _host.Flows.GetAsync(flow.Id))!.State.Should().Be(FlowState.Stopped);
    }

    [Test]
    public async Task Republishing_a_running_flow_moves_it_to_the_new_version()
    {
        var flow = await _host.LiveFlowAsync(null);
        flow.LiveVersion.Should().Be(1);

        await _host.Flows.UpdateDraftAsync(flow.Id, flow.Draft with { Name = "v2" });
        var version = await _host.Flows.PublishAsync(flow.Id);

        var after = await _host.Flows.GetAsync(flow.Id);
        version.Version.Number.Should().Be(2);
        after!.State.Should().Be(FlowState.Running);
        after.LiveVersion.Should().Be(2);
    }

    [Test]
    public async Task Publishing_a_stopped_flow_does_not_start_it()
    {
        var flow = await _host.LiveFlowAsync(null);
        await _host.Flows.StopAsync(flow.Id);

        await _host.Flows.PublishAsync(flow.Id);

        var after = await _host.Flows.GetAsync(flow.Id);
        after!.State.Should().Be(FlowState.Stopped);
        after.LiveVersion.Should().BeNull();
        after.LatestVersion.Should().Be(2);
    }

    [Test]
    public async Task Stop_takes_a_running_flow_offline()
    {
        var flow = await _host.LiveFlowAsync(null);

        var stopped = await _host.Flows.StopAsync(flow.Id);

        stopped.State.Should().Be(FlowState.Stopped);
        stopped.LiveVersion.Should().BeNull();
    }

    [Test]
    public async Task A_draft_with_duplicate_or_malformed_step_ids_is_refused_when_saved()
    {
        var act = async () => await CreateAsync(TestHost.Trigger(), TestHost.Trigger(), TestHost.Trigger() with { Id = "bad id" });

        var error = (await act.Should().ThrowAsync<FlowValidationException>()).Which;
        error.Errors.Should().Contain(e => e.Field == "steps[1].id" && e.Message.Contains("Two steps"));
        error.Errors.Should().Contain(e => e.Field == "steps[2].id");
    }

    [Test]
    public async Task A_json_sample_must_be_an_object_and_is_parsed_when_the_draft_is_saved()
    {
        var bad = async () => await CreateAsync(TestHost.Trigger() with { Sample = new SampleDefinition("json", "[1, 2]") });
        var malformed = async () => await CreateAsync(TestHost.Trigger() with { Sample = new SampleDefinition("json", "{\"a\": ") });

        (await bad.Should().ThrowAsync<FlowValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "steps[0].sample" && e.Message.Contains("must be a JSON object"));
        (await malformed.Should().ThrowAsync<FlowValidationException>()).Which.Errors.Should().ContainSingle(e => e.Message.Contains("line 1"));
        var good = await CreateAsync(TestHost.Trigger() with { Sample = new SampleDefinition("json", "{\"petname\": \"Gromit\"}") });
        good.Draft.Steps[0].Sample!.Sample!["petname"]!.ToString().Should().Be("Gromit");
    }

    [Test]
    public async Task Operations_on_an_unknown_flow_throw_FlowNotFoundException()
    {
        var act = async () => await _host.Flows.PublishAsync("nope");

        (await act.Should().ThrowAsync<FlowNotFoundException>()).Which.FlowId.Should().Be("nope");
        (await _host.Flows.GetAsync("nope")).Should().BeNull();
    }

    [Test]
    public async Task Two_hosts_in_one_process_do_not_see_each_others_flows()
    {
        await using var other = new TestHost();
        var flow = await CreateAsync(TestHost.Trigger());

        (await other.Flows.GetAsync(flow.Id)).Should().BeNull();
        (await other.Flows.ListAsync()).Should().BeEmpty();
        (await _host.Flows.ListAsync()).Should().ContainSingle();
    }
}
