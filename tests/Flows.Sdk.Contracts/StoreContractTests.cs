using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Contracts;

/// <summary>
/// What every store must do (the queue's contract: <see cref="QueueContractTests"/>), whatever keeps the data. A new store (PostgreSQL, ...) gets a subclass that returns its
/// own <see cref="StoreFactory"/> and must pass all of these unchanged.
/// </summary>
public abstract class StoreContractTests
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private StoreFactory _stores = null!;

    protected FakeTimeProvider Time { get; private set; } = null!;

    protected const int QueueCapacity = 3;

    /// <summary>Makes fresh, empty stores for one test.</summary>
    protected abstract StoreFactory CreateStores(TimeProvider time, int queueCapacity, int runLogMaxCountPerFlow = 10_000);

    [SetUp]
    public void CreateStoresForTest()
    {
        Time = new FakeTimeProvider(T0);
        _stores = CreateStores(Time, QueueCapacity);
    }

    [TearDown]
    public async Task DisposeStores() => await _stores.DisposeAsync();

    // ---- Flows

    [Test]
    public async Task A_flow_reads_back_as_it_was_added_with_its_draft()
    {
        var flow = NewFlow("f1", T0);
        await _stores.Flows.AddAsync(flow);

        var read = await _stores.Flows.GetAsync("f1");

        Json(read).Should().Be(Json(flow));
        read!.Draft.Steps[1].Mapping!["name"].Should().Be("petname");
        read.Draft.Steps[0].Sample!.Sample!["when"]!.Type.Should().Be(JTokenType.String, "dates inside JSON stay strings");
    }

    [Test]
    public async Task Adding_a_flow_whose_id_exists_throws()
    {
        await _stores.Flows.AddAsync(NewFlow("f1", T0));

        var act = async () => await _stores.Flows.AddAsync(NewFlow("f1", T0));

        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    [Test]
    public async Task Flows_are_listed_oldest_first()
    {
        await _stores.Flows.AddAsync(NewFlow("b", T0.AddMinutes(2)));
        await _stores.Flows.AddAsync(NewFlow("a", T0.AddMinutes(1)));
        await _stores.Flows.AddAsync(NewFlow("c", T0.AddMinutes(3)));

        var flows = await _stores.Flows.ListAsync();

        flows.Select(f => f.Id).Should().Equal("a", "b", "c");
    }

    [Test]
    public async Task An_update_with_the_current_revision_replaces_the_flow_and_adds_the_version()
    {
        var flow = NewFlow("f1", T0);
        await _stores.Flows.AddAsync(flow);
        var published = flow with { State = FlowState.Stopped, LatestVersion = 1, Revision = 2 };
        var version = new FlowVersion("f1", 1, flow.Draft, T0.AddMinutes(1));

        var updated = await _stores.Flows.TryUpdateAsync(published, expectedRevision: 1, version);

        updated.Should().BeTrue();
        Json(await _stores.Flows.GetAsync("f1")).Should().Be(Json(published));
        Json(await _stores.Flows.GetVersionAsync("f1", 1)).Should().Be(Json(version));
    }

    [Test]
    public async Task An_update_with_a_stale_revision_changes_nothing()
    {
        var flow = NewFlow("f1", T0);
        await _stores.Flows.AddAsync(flow);

        var updated = await _stores.Flows.TryUpdateAsync(flow with { Revision = 3 }, expectedRevision: 2, new FlowVersion("f1", 1, flow.Draft, T0));

        updated.Should().BeFalse();
        (await _stores.Flows.GetAsync("f1"))!.Revision.Should().Be(1);
        (await _stores.Flows.GetVersionAsync("f1", 1)).Should().BeNull();
    }

    [Test]
    public async Task An_update_that_would_add_an_existing_version_changes_nothing()
    {
        var flow = NewFlow("f1", T0);
        await _stores.Flows.AddAsync(flow);
        (await _stores.Flows.TryUpdateAsync(flow with { Revision = 2 }, 1, new FlowVersion("f1", 1, flow.Draft, T0))).Should().BeTrue();

        var updated = await _stores.Flows.TryUpdateAsync(flow with { Revision = 3, Draft = flow.Draft with { Name = "changed" } }, 2,
            new FlowVersion("f1", 1, flow.Draft with { Name = "changed" }, T0));

        updated.Should().BeFalse();
        (await _stores.Flows.GetAsync("f1"))!.Revision.Should().Be(2);
        (await _stores.Flows.GetVersionAsync("f1", 1))!.Definition.Name.Should().Be(flow.Draft.Name);
    }

    [Test]
    public async Task An_unknown_flow_or_version_is_null()
    {
        (await _stores.Flows.GetAsync("nope")).Should().BeNull();
        (await _stores.Flows.GetVersionAsync("nope", 1)).Should().BeNull();
        (await _stores.Flows.TryUpdateAsync(NewFlow("nope", T0), 1)).Should().BeFalse();
    }

    // ---- Credentials

    [Test]
    public async Task A_credential_reads_back_with_its_secret_fields()
    {
        var credential = NewCredential("c1", T0);
        await _stores.Credentials.AddAsync(credential);

        var read = await _stores.Credentials.GetAsync("c1");

        Json(read).Should().Be(Json(credential));
        (await _stores.Credentials.GetAsync("nope")).Should().BeNull();
    }

    [Test]
    public async Task Adding_a_credential_whose_id_exists_throws()
    {
        await _stores.Credentials.AddAsync(NewCredential("c1", T0));

        var act = async () => await _stores.Credentials.AddAsync(NewCredential("c1", T0));

        await act.Should().ThrowAsync<InvalidOperationException>();
    }

    [Test]
    public async Task Credentials_are_listed_oldest_first()
    {
        await _stores.Credentials.AddAsync(NewCredential("b", T0.AddMinutes(2)));
        await _stores.Credentials.AddAsync(NewCredential("a", T0.AddMinutes(1)));

        var credentials = await _stores.Credentials.ListAsync();

        credentials.Select(c => c.Id).Should().Equal("a", "b");
        credentials[0].Fields["apiKey"]!.Value<string>().Should().Be("s3cr3t-a");
    }

    [Test]
    public async Task Changing_a_credential_that_was_read_does_not_change_the_stored_one()
    {
        await _stores.Credentials.AddAsync(NewCredential("c1", T0));

        var read = await _stores.Credentials.GetAsync("c1");
        read!.Fields["apiKey"] = "changed";

        (await _stores.Credentials.GetAsync("c1"))!.Fields["apiKey"]!.Value<string>().Should().Be("s3cr3t-c1");
    }

    // ---- Run log

    [Test]
    [CancelAfter(30_000)]
    public async Task An_execution_started_appended_to_and_finished_reads_back_as_recorded()
    {
        var started = NewExecution("e1", "f1", T0, ExecutionStatus.Running);
        await _stores.Executions.StartAsync(started);
        await _stores.Executions.AppendStepAsync("e1", Step("step_2"));
        await _stores.Executions.AppendStepAsync("e1", Step("step_3") with { Attempt = 2 });

        var finished = await _stores.Executions.FinishAsync("e1", false, null, T0.AddSeconds(1));

        var expected = started with { Status = ExecutionStatus.Succeeded, FinishedAt = T0.AddSeconds(1), Steps = [Step("step_1"), Step("step_2"), Step("step_3") with { Attempt = 2 }] };
        Json(finished).Should().Be(Json(expected));
        Json(await _stores.Executions.GetAsync("e1")).Should().Be(Json(expected));
        Json((await _stores.Executions.ListAsync(new ExecutionQuery("f1"))).Should().ContainSingle().Subject).Should().Be(Json(expected));
        (await _stores.Executions.GetAsync("nope")).Should().BeNull();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Starting_an_execution_again_for_a_redelivered_message_keeps_one_entry_and_its_start_time_and_replaces_its_steps()
    {
        await _stores.Executions.StartAsync(NewExecution("e1", "f1", T0, ExecutionStatus.Running));
        await _stores.Executions.AppendStepAsync("e1", Step("step_2") with { Status = ExecutionStatus.Failed });
        await _stores.Executions.AddPendingReboundAsync("e1");
        await _stores.Executions.FinishAsync("e1", true, Failure("step_2"), T0.AddSeconds(1));

        // The message is delivered again (a crash before its acknowledgement): the same execution id starts again, later.
        var again = NewExecution("e1", "f1", T0.AddMinutes(5), ExecutionStatus.Running) with { Steps = [Step("trigger")], DeliveryCount = 2 };
        await _stores.Executions.StartAsync(again);

        var read = await _stores.Executions.GetAsync("e1");
        read!.StartedAt.Should().Be(T0, "the first start is kept");
        read.Status.Should().Be(ExecutionStatus.Running);
        read.FinishedAt.Should().BeNull();
        read.Failure.Should().BeNull();
        read.PendingRebounds.Should().Be(0);
        read.Steps.Select(s => s.StepId).Should().Equal("trigger");
        (await _stores.Executions.ListAsync(new ExecutionQuery("f1"))).Should().ContainSingle();

        await _stores.Executions.AppendStepAsync("e1", Step("step_2"));
        var finished = await _stores.Executions.FinishAsync("e1", false, null, T0.AddMinutes(6));
        finished.Status.Should().Be(ExecutionStatus.Succeeded);
        (await _stores.Executions.GetAsync("e1"))!.Steps.Select(s => s.StepId).Should().Equal("trigger", "step_2");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_rebound_keeps_the_execution_rebounding_until_resumed_and_a_failure_is_recorded_with_its_end()
    {
        await _stores.Executions.StartAsync(NewExecution("e1", "f1", T0, ExecutionStatus.Running));
        await _stores.Executions.AppendStepAsync("e1", Step("wait") with { Status = ExecutionStatus.Rebounding });
        await _stores.Executions.AddPendingReboundAsync("e1");

        var rebounding = await _stores.Executions.FinishAsync("e1", false, null, T0.AddSeconds(1));
        rebounding.Status.Should().Be(ExecutionStatus.Rebounding);
        rebounding.FinishedAt.Should().BeNull();
        rebounding.PendingRebounds.Should().Be(1);
        (await _stores.Executions.GetAsync("e1"))!.Status.Should().Be(ExecutionStatus.Rebounding);

        await _stores.Executions.ResumeAsync("e1", rebound: true);
        var resumed = await _stores.Executions.GetAsync("e1");
        resumed!.Status.Should().Be(ExecutionStatus.Running);
        resumed.PendingRebounds.Should().Be(0);

        await _stores.Executions.AppendStepAsync("e1", Step("wait") with { Attempt = 2, Status = ExecutionStatus.Failed });
        var failed = await _stores.Executions.FinishAsync("e1", true, Failure("wait"), T0.AddSeconds(20));

        failed.Status.Should().Be(ExecutionStatus.Failed);
        failed.FinishedAt.Should().Be(T0.AddSeconds(20));
        Json(failed.Failure).Should().Be(Json(Failure("wait")));
        failed.Steps.Select(s => (s.StepId, s.Attempt, s.Status)).Should().Equal(
            ("step_1", 1, ExecutionStatus.Succeeded), ("wait", 1, ExecutionStatus.Rebounding), ("wait", 2, ExecutionStatus.Failed));
        Json(await _stores.Executions.GetAsync("e1")).Should().Be(Json(failed));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_status_is_set_only_when_it_is_the_expected_one_so_a_failure_is_claimed_for_a_retry_once()
    {
        await RecordAsync(NewExecution("e1", "f1", T0, ExecutionStatus.Failed));

        (await _stores.Executions.TrySetStatusAsync("e1", ExecutionStatus.Failed, ExecutionStatus.Running, null)).Should().BeTrue();
        (await _stores.Executions.TrySetStatusAsync("e1", ExecutionStatus.Failed, ExecutionStatus.Running, null)).Should().BeFalse();
        var running = await _stores.Executions.GetAsync("e1");
        running!.Status.Should().Be(ExecutionStatus.Running);
        running.FinishedAt.Should().BeNull();
        running.Failure.Should().NotBeNull("the failure stays until the retry resumes the execution");

        (await _stores.Executions.TrySetStatusAsync("e1", ExecutionStatus.Running, ExecutionStatus.Failed, T0.AddHours(1))).Should().BeTrue();
        (await _stores.Executions.GetAsync("e1"))!.FinishedAt.Should().Be(T0.AddHours(1));
        (await _stores.Executions.TrySetStatusAsync("nope", ExecutionStatus.Failed, ExecutionStatus.Running, null)).Should().BeFalse();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Writes_to_an_execution_that_was_never_started_throw_not_found()
    {
        var append = async () => await _stores.Executions.AppendStepAsync("nope", Step("step_2"));
        var rebound = async () => await _stores.Executions.AddPendingReboundAsync("nope");
        var resume = async () => await _stores.Executions.ResumeAsync("nope", rebound: false);
        var finish = async () => await _stores.Executions.FinishAsync("nope", false, null, T0);

        await append.Should().ThrowAsync<KeyNotFoundException>();
        await rebound.Should().ThrowAsync<KeyNotFoundException>();
        await resume.Should().ThrowAsync<KeyNotFoundException>();
        await finish.Should().ThrowAsync<KeyNotFoundException>();
        (await _stores.Executions.GetAsync("nope")).Should().BeNull();
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Concurrent_appends_from_fan_out_branches_of_one_execution_are_all_kept_in_each_branch_order()
    {
        const int Branches = 8;
        const int PerBranch = 25;
        await _stores.Executions.StartAsync(NewExecution("e1", "f1", T0, ExecutionStatus.Running));

        await Task.WhenAll(Enumerable.Range(0, Branches).Select(branch => Task.Run(async () =>
        {
            for (var attempt = 1; attempt <= PerBranch; attempt++)
            {
                await _stores.Executions.AppendStepAsync("e1", Step($"branch_{branch}") with { Attempt = attempt });
            }
        })));
        var finished = await _stores.Executions.FinishAsync("e1", false, null, T0.AddSeconds(1));

        var read = await _stores.Executions.GetAsync("e1");
        foreach (var execution in new[] { finished, read! })
        {
            execution.Steps.Should().HaveCount(1 + (Branches * PerBranch));
            for (var branch = 0; branch < Branches; branch++)
            {
                execution.Steps.Where(s => s.StepId == $"branch_{branch}").Select(s => s.Attempt).Should().Equal(Enumerable.Range(1, PerBranch));
            }
        }

        Json(read).Should().Be(Json(finished));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task The_count_cap_holds_at_every_moment_and_never_drops_running_or_rebounding_executions()
    {
        const int Cap = 3;
        await using var stores = CreateStores(Time, QueueCapacity, runLogMaxCountPerFlow: Cap);
        var log = stores.Executions;
        await log.StartAsync(NewExecution("old-running", "f1", T0.AddDays(-1), ExecutionStatus.Running));
        await log.StartAsync(NewExecution("old-rebounding", "f1", T0.AddDays(-1), ExecutionStatus.Running));
        await log.AddPendingReboundAsync("old-rebounding");
        await log.FinishAsync("old-rebounding", false, null, T0);

        for (var i = 0; i < 10; i++)
        {
            await log.StartAsync(NewExecution($"e{i}", "f1", T0.AddMinutes(i), ExecutionStatus.Running));
            await log.AppendStepAsync($"e{i}", Step("step_2"));
            await log.FinishAsync($"e{i}", i % 3 == 0, i % 3 == 0 ? Failure("step_2") : null, T0.AddMinutes(i).AddSeconds(1));

            var listed = await log.ListAsync(new ExecutionQuery("f1") { Limit = 100 });
            listed.Count(e => e.Status is ExecutionStatus.Succeeded or ExecutionStatus.Failed).Should().Be(Math.Min(i + 1, Cap), $"after {i + 1} finishes");
            Ids(listed.Where(e => e.Status is ExecutionStatus.Running or ExecutionStatus.Rebounding)).Should().BeEquivalentTo("old-running", "old-rebounding");
        }

        Ids(await log.ListAsync(new ExecutionQuery("f1"))).Should().Equal("e9", "e8", "e7", "old-running", "old-rebounding");
        (await log.GetAsync("e0")).Should().BeNull();
        (await log.GetAsync("e6")).Should().BeNull();
        (await log.GetAsync("old-running")).Should().NotBeNull();
    }

    [Test]
    public async Task Executions_are_listed_newest_first_filtered_and_paged()
    {
        for (var i = 0; i < 6; i++)
        {
            await RecordAsync(NewExecution($"e{i}", "f1", T0.AddMinutes(i), i % 2 == 0 ? ExecutionStatus.Succeeded : ExecutionStatus.Failed));
        }

        await RecordAsync(NewExecution("other", "f2", T0, ExecutionStatus.Succeeded));

        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("f1"))).Should().Equal("e5", "e4", "e3", "e2", "e1", "e0");
        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("f1") { Status = ExecutionStatus.Failed })).Should().Equal("e5", "e3", "e1");
        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("f1") { From = T0.AddMinutes(2), To = T0.AddMinutes(4) })).Should().Equal("e3", "e2");
        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("f1") { Skip = 1, Limit = 2 })).Should().Equal("e4", "e3");
        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("nope"))).Should().BeEmpty();
    }

    [Test]
    public async Task Executions_started_at_the_same_time_are_ordered_by_id()
    {
        await RecordAsync(NewExecution("a", "f1", T0, ExecutionStatus.Succeeded));
        await RecordAsync(NewExecution("b", "f1", T0, ExecutionStatus.Succeeded));

        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("f1"))).Should().Equal("b", "a");
    }

    [Test]
    public async Task Pruning_deletes_old_finished_executions_and_all_but_the_newest_and_keeps_running_ones()
    {
        await RecordAsync(NewExecution("old-ok", "f1", T0.AddDays(-10), ExecutionStatus.Succeeded));
        await RecordAsync(NewExecution("old-failed", "f1", T0.AddDays(-9), ExecutionStatus.Failed));
        await RecordAsync(NewExecution("old-running", "f1", T0.AddDays(-8), ExecutionStatus.Running));
        await RecordAsync(NewExecution("old-rebounding", "f1", T0.AddDays(-8), ExecutionStatus.Rebounding));
        for (var i = 0; i < 4; i++)
        {
            await RecordAsync(NewExecution($"new{i}", "f1", T0.AddMinutes(i), ExecutionStatus.Succeeded));
        }

        await RecordAsync(NewExecution("other-flow", "f2", T0.AddDays(-10), ExecutionStatus.Succeeded));

        var deleted = await _stores.Executions.PruneAsync("f1", olderThan: T0.AddDays(-1), keepNewest: 3);

        deleted.Should().Be(3);
        Ids(await _stores.Executions.ListAsync(new ExecutionQuery("f1"))).Should().Equal("new3", "new2", "new1", "old-running", "old-rebounding");
        (await _stores.Executions.GetAsync("other-flow")).Should().NotBeNull();
        (await _stores.Executions.GetAsync("new0")).Should().BeNull();
    }

    /// <summary>Records <paramref name="execution"/> through the port: started with its steps, then ended as its status says.</summary>
    private async Task RecordAsync(FlowExecution execution)
    {
        var log = _stores.Executions;
        await log.StartAsync(execution with { Status = ExecutionStatus.Running });
        switch (execution.Status)
        {
            case ExecutionStatus.Succeeded:
                await log.FinishAsync(execution.Id, false, null, execution.StartedAt.AddSeconds(1));
                break;
            case ExecutionStatus.Failed:
                await log.FinishAsync(execution.Id, true, Failure(execution.Steps[^1].StepId), execution.StartedAt.AddSeconds(1));
                break;
            case ExecutionStatus.Rebounding:
                await log.AddPendingReboundAsync(execution.Id);
                await log.FinishAsync(execution.Id, false, null, execution.StartedAt.AddSeconds(1));
                break;
        }
    }

    public static ExecutionFailure Failure(string stepId) =>
        new(stepId, new JObject { ["petname"] = "Gromit" }, new JObject { ["step_1"] = new JObject { ["petname"] = "Gromit" } }, 1);

    // ---- Snapshots

    [Test]
    public async Task A_snapshot_is_null_until_saved_and_the_last_save_wins()
    {
        (await _stores.Snapshots.GetAsync("f1", "step_2")).Should().BeNull();

        await _stores.Snapshots.SaveAsync("f1", "step_2", new JObject { ["cursor"] = 1 });
        await _stores.Snapshots.SaveAsync("f1", "step_2", new JObject { ["cursor"] = 2 });
        await _stores.Snapshots.SaveAsync("f1", "step_3", new JObject { ["cursor"] = 3 });

        (await _stores.Snapshots.GetAsync("f1", "step_2"))!["cursor"]!.Value<int>().Should().Be(2);
        (await _stores.Snapshots.GetAsync("f1", "step_3"))!["cursor"]!.Value<int>().Should().Be(3);
    }

    [Test]
    public async Task Changing_a_snapshot_that_was_read_does_not_change_the_stored_one()
    {
        var snapshot = new JObject { ["cursor"] = 1 };
        await _stores.Snapshots.SaveAsync("f1", "step_2", snapshot);
        snapshot["cursor"] = 5;

        var read = await _stores.Snapshots.GetAsync("f1", "step_2");
        read!["cursor"] = 6;

        (await _stores.Snapshots.GetAsync("f1", "step_2"))!["cursor"]!.Value<int>().Should().Be(1);
    }

    protected static string Json(object? value) => JsonConvert.SerializeObject(value);

    private static IEnumerable<string> Ids(IEnumerable<FlowExecution> executions) => executions.Select(e => e.Id);

    public static Flow NewFlow(string id, DateTimeOffset createdAt) => new()
    {
        Id = id,
        State = FlowState.Draft,
        Revision = 1,
        CreatedAt = createdAt,
        UpdatedAt = createdAt,
        Draft = new FlowDraft("Tutorial flow ✓", [
            new StepDefinition
            {
                Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = "c1",
                Sample = new SampleDefinition("json", """{"petname": "Gromit"}""")
                {
                    Sample = new JObject { ["petname"] = "Gromit", ["when"] = "2026-01-02T03:04:05Z" },
                    Schema = new JObject { ["type"] = "object" },
                },
            },
            new StepDefinition
            {
                Id = "step_2", ComponentId = "petstore", Function = "createPetWithPromise",
                Mapping = new Dictionary<string, string> { ["name"] = "petname", ["status"] = "petstatus" },
                Configuration = new JObject { ["retries"] = 3, ["nested"] = new JObject { ["x"] = new JArray(1, "two") } },
            },
        ]),
    };

    public static Credential NewCredential(string id, DateTimeOffset createdAt) => new()
    {
        Id = id,
        Name = $"Credential {id}",
        ComponentId = "petstore",
        Fields = new JObject { ["apiKey"] = $"s3cr3t-{id}", ["nested"] = new JObject { ["password"] = "hunter2" } },
        CreatedAt = createdAt,
    };

    public static FlowExecution NewExecution(string id, string flowId, DateTimeOffset startedAt, ExecutionStatus status) => new()
    {
        Id = id,
        FlowId = flowId,
        FlowVersion = 1,
        RequestId = $"r-{id}",
        MessageId = $"m-{id}",
        Status = status,
        StartedAt = startedAt,
        Steps = [Step("step_1")],
    };

    public static StepExecution Step(string stepId) => new()
    {
        StepId = stepId,
        Status = ExecutionStatus.Succeeded,
        Input = new JObject { ["name"] = "Gromit", ["at"] = "2026-01-02T03:04:05+01:00" },
        Output = new JArray(new JObject { ["id"] = 1 }, 2.5),
        Error = new StepError("Boom", "It failed"),
        StartedAt = T0,
        Duration = TimeSpan.FromMilliseconds(12.5),
    };

    public static QueuedMessage NewMessage(string id) =>
        new(id, $"r-{id}", $"e-{id}", "f1", 1, MessageBody.FromObject(new JObject { ["petname"] = "Gromit", ["_headers"] = new JObject { ["x"] = "y" } }), T0);
}
