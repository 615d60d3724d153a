using Flows.Sdk.Contracts;
using Flows.Sdk.Execution;
using Flows.Sdk.Sqlite.Tests.Support;
using Flows.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests.Contract;

/// <summary>What the SQLite run log adds to the contract: its append-only layout, and the move of older files to it.</summary>
public sealed class SqliteRunLogTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [CancelAfter(60_000)]
    public async Task Bytes_written_per_execution_grow_linearly_with_its_steps()
    {
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), new FakeTimeProvider(T0));
        var written = new Dictionary<int, long>();
        var stepRows = new Dictionary<int, long>();
        foreach (var steps in new[] { 1, 10, 50 })
        {
            var id = $"e{steps}";
            var before = stores.SqliteExecutions.BytesWritten;

            // As the runner records it, each write committed before the next one: nothing is coalesced away.
            await stores.Executions.StartAsync(StoreContractTests.NewExecution(id, "f1", T0, ExecutionStatus.Running));
            await stores.Database.FlushAsync();
            for (var i = 1; i < steps; i++)
            {
                await stores.Executions.AppendStepAsync(id, StoreContractTests.Step($"step_{i + 1}"));
                await stores.Database.FlushAsync();
            }

            var finished = await stores.Executions.FinishAsync(id, false, null, T0.AddSeconds(1));
            await stores.Database.FlushAsync();

            finished.Steps.Should().HaveCount(steps);
            written[steps] = stores.SqliteExecutions.BytesWritten - before;
            stepRows[steps] = await ScalarAsync(stores, $"SELECT SUM(length(data)) FROM execution_steps WHERE execution = (SELECT seq FROM executions WHERE id = '{id}');");
            TestContext.Out.WriteLine($"{steps} steps: {written[steps]} bytes written, {stepRows[steps]} bytes in step rows");
        }

        // Each step's JSON is written once, the header a fixed number of times: 50 steps cost about 5 times 10 steps (a store
        // rewriting the whole execution after every step would cost about 25 times as much).
        var ratio = (double)written[50] / written[10];
        ratio.Should().BeInRange(4.0, 5.5);
        ((double)written[10] / written[1]).Should().BeInRange(4.0, 10.5);
        (written[50] - stepRows[50]).Should().BeCloseTo(written[1] - stepRows[1], 16, "the header costs the same whatever the number of steps (but for the longer ids)");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_run_log_of_schema_version_2_is_moved_to_one_row_per_step_and_reads_back_the_same()
    {
        var path = _directory.File("flows.db");
        var execution = StoreContractTests.NewExecution("e1", "f1", T0, ExecutionStatus.Succeeded) with
        {
            FinishedAt = T0.AddSeconds(1),
            Steps = [StoreContractTests.Step("step_1"), StoreContractTests.Step("step_2"), StoreContractTests.Step("step_3")],
        };
        CreateVersion2(path, execution);

        await using var stores = new SqliteStoreFactory(path, new FakeTimeProvider(T0));
        var read = await stores.Executions.GetAsync("e1");

        JsonConvert.SerializeObject(read).Should().Be(JsonConvert.SerializeObject(execution));
        (await ScalarAsync(stores, "SELECT COUNT(*) FROM execution_steps WHERE execution = (SELECT seq FROM executions WHERE id = 'e1');")).Should().Be(3);
        (await ScalarAsync(stores, "SELECT COUNT(*) FROM executions WHERE json_type(data, '$.Steps') IS NOT NULL;")).Should().Be(0);

        // Deleting the execution deletes its steps.
        (await stores.Executions.PruneAsync("f1", T0.AddDays(1), keepNewest: 0)).Should().Be(1);
        (await ScalarAsync(stores, "SELECT COUNT(*) FROM execution_steps;")).Should().Be(0);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task An_execution_finished_in_an_earlier_process_is_resumed_and_appended_to_after_its_stored_steps()
    {
        var path = _directory.File("flows.db");
        await using (var before = new SqliteStoreFactory(path, new FakeTimeProvider(T0)))
        {
            await before.Executions.StartAsync(StoreContractTests.NewExecution("e1", "f1", T0, ExecutionStatus.Running));
            await before.Executions.AppendStepAsync("e1", StoreContractTests.Step("wait") with { Status = ExecutionStatus.Rebounding });
            await before.Executions.AddPendingReboundAsync("e1");
            (await before.Executions.FinishAsync("e1", false, null, T0.AddSeconds(1))).Status.Should().Be(ExecutionStatus.Rebounding);
        }

        await using var after = new SqliteStoreFactory(path, new FakeTimeProvider(T0));
        await after.Executions.ResumeAsync("e1", rebound: true);
        await after.Executions.AppendStepAsync("e1", StoreContractTests.Step("wait") with { Attempt = 2 });
        var finished = await after.Executions.FinishAsync("e1", false, null, T0.AddSeconds(20));

        finished.Status.Should().Be(ExecutionStatus.Succeeded);
        finished.Steps.Select(s => (s.StepId, s.Attempt)).Should().Equal(("step_1", 1), ("wait", 1), ("wait", 2));
        await after.Database.FlushAsync();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (after.SqliteExecutions.ActiveCount > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(10);
        }

        after.SqliteExecutions.ActiveCount.Should().Be(0, "a finished execution is kept in the file alone once written");
        JsonConvert.SerializeObject(await after.Executions.GetAsync("e1")).Should().Be(JsonConvert.SerializeObject(finished));
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_store_shut_down_before_its_first_write_behind_was_initialized_still_writes_it_and_releases_the_file()
    {
        // The first write of a store starts its initialization on the thread pool without waiting for it; a shutdown right after
        // must wait for it, write what was queued and release the file's lock (it once left both to a late initialization).
        for (var round = 0; round < 20; round++)
        {
            var path = _directory.File($"flows{round}.db");
            await using (var before = new SqliteStoreFactory(path, new FakeTimeProvider(T0)))
            {
                await before.Executions.StartAsync(StoreContractTests.NewExecution("e1", "f1", T0, ExecutionStatus.Running));
            }

            await using var after = new SqliteStoreFactory(path, new FakeTimeProvider(T0));
            (await after.Executions.GetAsync("e1")).Should().NotBeNull($"round {round}: the write queued before the shutdown is in the file");
        }
    }

    private static async Task<long> ScalarAsync(SqliteStoreFactory stores, string sql)
    {
        await stores.Database.FlushAsync();
        return await stores.Database.ReadAsync(context => context.Command(sql).ExecuteScalar() is long value ? value : 0L);
    }

    /// <summary>A file as version 2 of the schema left it: whole executions, steps inside, in the <c>data</c> column.</summary>
    private static void CreateVersion2(string path, FlowExecution execution)
    {
        using var connection = new SqliteConnection($"Data Source={path};Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);"
            + SqliteSchema.Migrations[0].Sql + SqliteSchema.Migrations[1].Sql
            + "INSERT INTO schema_version VALUES (1, '2026-11-01'), (2, '2026-11-02');"
            + "INSERT INTO executions (id, flow_id, request_id, status, started_at, delivery_count, data) VALUES ($id, $flow, $request, $status, $started, 1, $data);";
        command.Parameters.AddWithValue("$id", execution.Id);
        command.Parameters.AddWithValue("$flow", execution.FlowId);
        command.Parameters.AddWithValue("$request", execution.RequestId);
        command.Parameters.AddWithValue("$status", execution.Status.ToString());
        command.Parameters.AddWithValue("$started", execution.StartedAt.UtcTicks);
        command.Parameters.AddWithValue("$data", LegacySqliteJson.Serialize(execution));
        command.ExecuteNonQuery();
    }
}
