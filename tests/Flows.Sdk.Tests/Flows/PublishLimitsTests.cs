using System.Diagnostics;
using Flows.Sdk.Flows;
using Flows.Sdk.Mapping.Jsonata;
using Flows.Sdk.Tests.Execution;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;

namespace Flows.Sdk.Tests.Lifecycle;

/// <summary>Publish tries the mappings on the samples under a bounded budget, and refuses those that run away there.</summary>
public sealed class PublishLimitsTests
{
    private TestHost _host = null!;

    private void Start(TimeSpan? timeLimit) =>
        _host = new TestHost(moreServices: services => services.Configure<JsonataOptions>(j => j.TimeLimit = timeLimit));

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private static StepDefinition SampledTrigger() =>
        TestHost.Trigger() with { Sample = new SampleDefinition("json", """{"petname": "loop"}""") };

    private async Task<Flow> CreateAsync(params StepDefinition[] actions) =>
        await _host.Flows.CreateAsync(new FlowDraft("flow", [SampledTrigger(), .. actions]));

    private async Task<(FlowValidationException Error, TimeSpan Elapsed)> PublishFailsAsync(Flow flow)
    {
        var started = Stopwatch.GetTimestamp();
        var act = () => Runaways.BoundedAsync(async () => await _host.Flows.PublishAsync(flow.Id), TimeSpan.FromSeconds(20));
        var error = (await act.Should().ThrowAsync<FlowValidationException>()).Which;
        return (error, Stopwatch.GetElapsedTime(started));
    }

    [TestCaseSource(typeof(Runaways), nameof(Runaways.All))]
    [CancelAfter(30_000)]
    public async Task Publish_refuses_a_mapping_that_overruns_on_the_sample_naming_step_field_and_code(string runaway, string codes)
    {
        Start(TimeSpan.FromMilliseconds(300));
        var flow = await CreateAsync(TestHost.Engine("step_2", "count", ("key", Runaways.OnLoop(runaway))));

        var (error, elapsed) = await PublishFailsAsync(flow);

        error.Errors.Should().ContainSingle(e => e.StepId == "step_2" && e.Field == "mapping.key")
            .Which.Message.Should().MatchRegex($"\\(({codes})\\)");
        (elapsed < TimeSpan.FromSeconds(10)).Should().BeTrue($"publish answers within a bound; it took {elapsed}");
        (await _host.Flows.GetAsync(flow.Id))!.LatestVersion.Should().BeNull("nothing was published");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Many_runaway_fields_share_one_deadline_and_the_unchecked_ones_are_named()
    {
        Start(TimeSpan.FromSeconds(1));
        var credential = await _host.TestCredentialAsync();
        var fields = Enumerable.Range(1, 10).Select(i => ($"f{i}", Runaways.OnLoop(Runaways.Recursion))).ToArray();
        var flow = await CreateAsync(TestHost.Action("step_2", "free", credential, fields));

        var (error, elapsed) = await PublishFailsAsync(flow);

        (elapsed < TimeSpan.FromSeconds(5)).Should().BeTrue($"ten runaway fields share the host's 1 s; publish took {elapsed}");
        error.Errors.Should().Contain(e => e.StepId == "step_2" && e.Field == "mapping.f1" && e.Message.Contains("(U1001)"));
        error.Errors.Should().ContainSingle(e => e.StepId == null && e.Field == "mapping")
            .Which.Message.Should().Contain("could not be checked").And.Contain("step 'step_2' mapping.f10");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_step_time_limit_bounds_its_sample_check_below_the_hosts()
    {
        Start(TimeSpan.FromSeconds(60));
        var flow = await CreateAsync(TestHost.Engine("step_2", "count", ("key", Runaways.OnLoop(Runaways.Recursion))) with { MappingTimeLimitSeconds = 0.2 });

        var (error, elapsed) = await PublishFailsAsync(flow);

        error.Errors.Should().ContainSingle(e => e.StepId == "step_2" && e.Field == "mapping.key")
            .Which.Message.Should().Contain("(U1001)").And.NotContain("share");
        (elapsed < TimeSpan.FromSeconds(10)).Should().BeTrue($"the step's 0.2 s applies; publish took {elapsed}");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Publish_without_a_host_time_limit_still_answers()
    {
        Start(null);
        var flow = await CreateAsync(TestHost.Engine("step_2", "count", ("key", Runaways.OnLoop(Runaways.Recursion))));

        var (error, _) = await PublishFailsAsync(flow);

        error.Errors.Should().Contain(e => e.StepId == "step_2" && e.Field == "mapping.key" && e.Message.Contains("(U1001)"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Cancelling_a_publish_cancels_its_sample_checks(CancellationToken cancellationToken)
    {
        Start(TimeSpan.FromSeconds(120));
        var flow = await CreateAsync(TestHost.Engine("step_2", "count", ("key", Runaways.OnLoop(Runaways.Recursion))));
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(TimeSpan.FromMilliseconds(200));

        var act = async () => await _host.Flows.PublishAsync(flow.Id, cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
        (await _host.Flows.GetAsync(flow.Id, cancellationToken))!.LatestVersion.Should().BeNull();
    }

    [Test]
    public async Task A_mapping_that_only_loops_for_other_inputs_publishes_with_its_step_limit_kept()
    {
        Start(TimeSpan.FromMilliseconds(300));
        var flow = await _host.Flows.CreateAsync(new FlowDraft("flow", [
            TestHost.Trigger() with { Sample = new SampleDefinition("json", """{"petname": "Gromit"}""") },
            TestHost.Engine("step_2", "count", ("key", Runaways.OnLoop(Runaways.Recursion))) with { MappingTimeLimitSeconds = 2.5 },
        ]));

        var result = await _host.Flows.PublishAsync(flow.Id);

        result.Warnings.Should().BeEmpty();
        result.Version.Definition.Steps[1].MappingTimeLimitSeconds.Should().Be(2.5);
    }

    [TestCase(0)]
    [TestCase(-1)]
    [TestCase(300.5)]
    [TestCase(double.NaN)]
    public async Task A_step_time_limit_out_of_range_is_refused_when_the_draft_is_saved(double seconds)
    {
        Start(TimeSpan.FromMilliseconds(300));

        var act = async () => await CreateAsync(TestHost.Engine("step_2", "count", ("key", "'k'")) with { MappingTimeLimitSeconds = seconds });

        (await act.Should().ThrowAsync<FlowValidationException>()).Which.Errors.Should().ContainSingle(e =>
            e.StepId == "step_2" && e.Field == "steps[1].mappingTimeLimitSeconds" && e.Message.Contains("more than 0 and at most 300"));
    }
}
