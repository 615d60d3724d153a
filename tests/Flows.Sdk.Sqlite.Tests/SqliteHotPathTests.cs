using System.Text;
using Flows.Sdk.Contracts;
using Flows.Sdk.Execution;
using Flows.Sdk.Sqlite.Tests.Support;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>
/// The hook's path on SQLite: the trigger's output stored as the worker's bytes (no tree), and a message's acknowledgement
/// committed with its execution's write.
/// </summary>
public sealed class SqliteHotPathTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Escapes, non-ASCII text, a number written as "1.50", nesting: what a tree's rewrite would change.</summary>
    private static readonly byte[] Body = Encoding.UTF8.GetBytes("""{"petname":"Grömit \"the dog\" \\ \u00e9","n":1.50,"big":12345678901234567890,"nested":{"a":[1,2,{"b":null}],"t":true}}""");

    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [CancelAfter(30_000)]
    public async Task A_trigger_output_given_as_bytes_is_stored_as_its_step_output_and_reads_back_as_the_tree_s_would(CancellationToken cancellationToken)
    {
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), new FakeTimeProvider(T0));
        var body = MessageBody.FromUtf8(Body);
        var trigger = new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, StartedAt = T0 };

        // e1 as the runner starts it on a store that takes bytes; e2 as on one that takes trees.
        stores.Executions.Should().BeAssignableTo<IUtf8StepLog>();
        await ((IUtf8StepLog)stores.Executions).StartAsync(StoreContractTests.NewExecution("e1", "f1", T0, ExecutionStatus.Running), trigger, body, cancellationToken);
        await stores.Executions.StartAsync(StoreContractTests.NewExecution("e2", "f1", T0, ExecutionStatus.Running) with { Steps = [trigger with { Output = body.ToObject() }] }, cancellationToken);
        var finished1 = await stores.Executions.FinishAsync("e1", false, null, T0.AddSeconds(1), cancellationToken);
        var finished2 = await stores.Executions.FinishAsync("e2", false, null, T0.AddSeconds(1), cancellationToken);

        // The snapshot the finish returns has the output as a tree all the same.
        JsonConvert.SerializeObject(finished1.Steps).Should().Be(JsonConvert.SerializeObject(finished2.Steps));
        JToken.DeepEquals(finished1.Steps[0].Output, body.ToObject()).Should().BeTrue();

        await WaitUntilWrittenAsync(stores, cancellationToken);
        var read1 = await stores.Executions.GetAsync("e1", cancellationToken);
        var read2 = await stores.Executions.GetAsync("e2", cancellationToken);
        JsonConvert.SerializeObject(read1!.Steps).Should().Be(JsonConvert.SerializeObject(read2!.Steps));
        JToken.DeepEquals(read1.Steps[0].Output, body.ToObject()).Should().BeTrue();
        read1.Status.Should().Be(ExecutionStatus.Succeeded);

        // The row is valid JSON holding the bytes as they came (the number as "1.50", the text unescaped).
        var row = await StepRowAsync(stores, "e1");
        row.Should().Contain(Encoding.UTF8.GetString(Body));
        JObject.Parse(row)["stepId"]!.Value<string>().Should().Be("step_1");
        (await ScalarAsync(stores, "SELECT json_valid(data) FROM execution_steps WHERE execution = (SELECT seq FROM executions WHERE id = 'e1');")).Should().Be(1L);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_trigger_output_given_as_bytes_over_the_logged_size_limit_is_cut_to_its_marker(CancellationToken cancellationToken)
    {
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), new FakeTimeProvider(T0), configure: o =>
        {
            o.MaxLoggedPayloadSize = 40;
            o.TruncatedPreviewLength = 10;
        });
        var trigger = new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, StartedAt = T0 };
        await ((IUtf8StepLog)stores.Executions).StartAsync(StoreContractTests.NewExecution("e1", "f1", T0, ExecutionStatus.Running), trigger, MessageBody.FromUtf8(Body), cancellationToken);
        await stores.Executions.FinishAsync("e1", false, null, T0.AddSeconds(1), cancellationToken);

        await WaitUntilWrittenAsync(stores, cancellationToken);
        var output = (await stores.Executions.GetAsync("e1", cancellationToken))!.Steps[0].Output!;
        output["_truncated"]!.Value<bool>().Should().BeTrue();
        output["size"]!.Value<int>().Should().BeGreaterThan(40);
        output["preview"]!.Value<string>().Should().HaveLength(10);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task An_acknowledgement_made_before_the_writer_takes_its_execution_s_write_is_committed_with_it(CancellationToken cancellationToken)
    {
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), new FakeTimeProvider(T0));
        var message = StoreContractTests.NewMessage("m1");
        (await stores.Queue.TryEnqueueAsync(message, cancellationToken)).Should().BeTrue();
        var delivery = await stores.Queue.DequeueAsync(cancellationToken);

        // The writer held on a write of its own: the run's writes wait for it, as they do behind a busy writer.
        using var gate = new ManualResetEventSlim();
        var commitsBefore = stores.Database.Commits;
        var held = stores.Database.WriteAsync(_ => gate.Wait(TimeSpan.FromSeconds(20)));
        var trigger = new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, StartedAt = T0 };
        await ((IUtf8StepLog)stores.Executions).StartAsync(
            StoreContractTests.NewExecution(message.ExecutionId, message.FlowId, T0, ExecutionStatus.Running), trigger, message.Body, cancellationToken);
        await stores.Executions.FinishAsync(message.ExecutionId, false, null, T0.AddSeconds(1), cancellationToken);
        await delivery.AckAsync(cancellationToken);
        stores.SqliteExecutions.FoldedAcks.Should().Be(1, "the execution's write had not been taken by the writer");

        gate.Set();
        (await held).Should().BeTrue();
        await stores.Database.FlushAsync();
        (await stores.SqliteQueue.CountRowsAsync()).Should().Be(0);
        (await ScalarAsync(stores, $"SELECT COUNT(*) FROM executions WHERE id = '{message.ExecutionId}' AND status = 'Succeeded';")).Should().Be(1L);

        // An acknowledgement after the execution's write was taken goes on its own, after it.
        var second = StoreContractTests.NewMessage("m2");
        (await stores.Queue.TryEnqueueAsync(second, cancellationToken)).Should().BeTrue();
        var delivery2 = await stores.Queue.DequeueAsync(cancellationToken);
        await ((IUtf8StepLog)stores.Executions).StartAsync(
            StoreContractTests.NewExecution(second.ExecutionId, second.FlowId, T0, ExecutionStatus.Running), trigger, second.Body, cancellationToken);
        await stores.Executions.FinishAsync(second.ExecutionId, false, null, T0.AddSeconds(1), cancellationToken);
        await WaitUntilWrittenAsync(stores, cancellationToken);
        await delivery2.AckAsync(cancellationToken);
        stores.SqliteExecutions.FoldedAcks.Should().Be(1);
        await stores.Database.FlushAsync();
        (await stores.SqliteQueue.CountRowsAsync()).Should().Be(0);
        stores.Database.Commits.Should().BeGreaterThan(commitsBefore);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_folded_acknowledgement_whose_commit_fails_keeps_the_message_s_row(CancellationToken cancellationToken)
    {
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), new FakeTimeProvider(T0));
        var message = StoreContractTests.NewMessage("m1");
        (await stores.Queue.TryEnqueueAsync(message, cancellationToken)).Should().BeTrue();
        var delivery = await stores.Queue.DequeueAsync(cancellationToken);

        using var gate = new ManualResetEventSlim();
        var held = stores.Database.WriteAsync(_ => gate.Wait(TimeSpan.FromSeconds(20)));
        var trigger = new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, StartedAt = T0 };
        await ((IUtf8StepLog)stores.Executions).StartAsync(
            StoreContractTests.NewExecution(message.ExecutionId, message.FlowId, T0, ExecutionStatus.Running), trigger, message.Body, cancellationToken);
        await stores.Executions.FinishAsync(message.ExecutionId, false, null, T0.AddSeconds(1), cancellationToken);
        await delivery.AckAsync(cancellationToken);
        stores.SqliteExecutions.FoldedAcks.Should().Be(1);

        // The disk refuses the held group and the next, which holds the execution's write and its acknowledgement: neither is kept.
        stores.Database.InjectCommitFailures(2, 13);
        gate.Set();
        await FluentActions.Awaiting(() => held).Should().ThrowAsync<StorageUnavailableException>();
        await stores.Database.FlushAsync();
        (await stores.SqliteQueue.CountRowsAsync()).Should().Be(1, "the message is delivered again after a restart");
        (await ScalarAsync(stores, "SELECT COUNT(*) FROM executions;")).Should().Be(0L);
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task The_count_cap_holds_across_recounts_and_a_prune_with_the_finished_count_kept_in_memory(CancellationToken cancellationToken)
    {
        const int Cap = 4; // A trim after every finish: the count in memory is used for 16 trims, then counted in the file again.
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), new FakeTimeProvider(T0), runLogMaxCountPerFlow: Cap);
        var log = stores.Executions;
        await log.StartAsync(StoreContractTests.NewExecution("running", "f1", T0.AddDays(-1), ExecutionStatus.Running), cancellationToken);
        for (var i = 0; i < 40; i++)
        {
            await log.StartAsync(StoreContractTests.NewExecution($"e{i:D2}", "f1", T0.AddMinutes(i), ExecutionStatus.Running), cancellationToken);
            await log.FinishAsync($"e{i:D2}", false, null, T0.AddMinutes(i).AddSeconds(1), cancellationToken);
            if (i == 20)
            {
                (await log.PruneAsync("f1", T0.AddMinutes(19), keepNewest: Cap, cancellationToken)).Should().Be(2, "e17 and e18 started before the cut");
            }

            var listed = await log.ListAsync(new ExecutionQuery("f1") { Limit = 100 }, cancellationToken);
            var finished = listed.Where(e => e.Status == ExecutionStatus.Succeeded).Select(e => e.Id).ToArray();
            var expected = Enumerable.Range(0, i + 1).Reverse().Take(i == 20 ? 2 : Cap).Select(n => $"e{n:D2}").ToArray();
            if (i == 20)
            {
                finished.Should().Equal(expected, "the prune kept e19 and e20 only");
            }
            else if (i < 20)
            {
                finished.Should().Equal(expected, $"after {i + 1} finishes");
            }
            else
            {
                // After the prune the flow fills up to the cap again, never beyond it.
                finished.Length.Should().Be(Math.Min(Cap, i - 18), $"after {i + 1} finishes");
                finished[0].Should().Be($"e{i:D2}");
            }

            listed.Should().Contain(e => e.Id == "running", "a running execution is never dropped");
        }
    }

    /// <summary>Waits until every execution's writes are committed and it has left memory (reads then come from the file).</summary>
    private static async Task WaitUntilWrittenAsync(SqliteStoreFactory stores, CancellationToken cancellationToken)
    {
        await stores.Database.FlushAsync();
        while (stores.SqliteExecutions.ActiveCount > 0)
        {
            await Task.Delay(5, cancellationToken);
        }
    }

    private static async Task<string> StepRowAsync(SqliteStoreFactory stores, string executionId)
    {
        await stores.Database.FlushAsync();
        return await stores.Database.ReadAsync(context =>
        {
            var command = context.Command("SELECT data FROM execution_steps WHERE execution = (SELECT seq FROM executions WHERE id = $id);");
            command.Parameters.AddWithValue("$id", executionId);
            return (string)command.ExecuteScalar()!;
        });
    }

    private static async Task<object?> ScalarAsync(SqliteStoreFactory stores, string sql)
    {
        await stores.Database.FlushAsync();
        return await stores.Database.ReadAsync(context => context.Command(sql).ExecuteScalar());
    }
}
