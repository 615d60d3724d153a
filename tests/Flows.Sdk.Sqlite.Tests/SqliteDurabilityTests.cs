using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Contracts;
using Flows.Sdk.Execution;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>What the SQLite store adds to the contract: restarts, group commits, encryption at rest, run-log truncation.</summary>
public sealed class SqliteDurabilityTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private TempDirectory _directory = null!;
    private FakeTimeProvider _time = null!;

    private string DatabasePath => _directory.File("flows.db");

    [SetUp]
    public void SetUp()
    {
        _directory = new TempDirectory();
        _time = new FakeTimeProvider(T0);
    }

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task Messages_not_acknowledged_before_a_restart_are_delivered_again_and_acknowledged_ones_are_not()
    {
        await using (var before = Open())
        {
            foreach (var id in new[] { "m1", "m2", "m3" })
            {
                (await before.Queue.TryEnqueueAsync(StoreContractTests.NewMessage(id))).Should().BeTrue();
            }

            await (await DequeueAsync(before)).AckAsync();
            _ = await DequeueAsync(before); // m2: leased, then the process "dies"
        }

        await using var after = Open();
        var first = await DequeueAsync(after);
        var second = await DequeueAsync(after);

        new[] { first.Message.MessageId, second.Message.MessageId }.Should().Equal("m2", "m3");
        new[] { first.DeliveryCount, second.DeliveryCount }.Should().Equal(2, 1);
        (await Deliveries(after, "m2")).Should().Be(2);
        (await Deliveries(after, "m3")).Should().Be(1);
    }

    [Test]
    public async Task A_redelivered_message_continues_its_execution_entry_and_shows_its_delivery_count()
    {
        var message = StoreContractTests.NewMessage("m1");
        await using (var before = Open())
        {
            await before.Queue.TryEnqueueAsync(message);
            var delivered = await DequeueAsync(before);
            delivered.DeliveryCount.Should().Be(1);
            await before.Executions.StartAsync(Execution(delivered, ExecutionStatus.Running) with { Steps = [StoreContractTests.Step("step_1")] });
            await before.Executions.AppendStepAsync(delivered.Message.ExecutionId, StoreContractTests.Step("step_2"));
        }

        _time.Advance(TimeSpan.FromMinutes(1));
        await using var after = Open();
        var redelivered = await DequeueAsync(after);
        await after.Executions.StartAsync(Execution(redelivered, ExecutionStatus.Running) with { StartedAt = _time.GetUtcNow(), Steps = [StoreContractTests.Step("step_1")] });
        await after.Executions.FinishAsync(redelivered.Message.ExecutionId, false, null, _time.GetUtcNow());
        await redelivered.AckAsync();

        var executions = await after.Executions.ListAsync(new Storage.ExecutionQuery("f1"));
        executions.Should().ContainSingle().Which.Should().Match<FlowExecution>(e =>
            e.Id == message.ExecutionId && e.Status == ExecutionStatus.Succeeded && e.DeliveryCount == 2 && e.StartedAt == T0);
        var read = await after.Executions.GetAsync(message.ExecutionId);
        read!.DeliveryCount.Should().Be(2);
        read.Steps.Select(s => s.StepId).Should().Equal(["step_1"], "the redelivery starts the steps over");
        (await after.SqliteQueue.CountRowsAsync()).Should().Be(0);
    }

    [Test]
    [CancelAfter(20_000)]
    public async Task An_abandoned_message_waits_out_its_delay_after_a_restart_and_an_expired_lease_counts_in_the_row()
    {
        await using (var before = Open())
        {
            await before.Queue.TryEnqueueAsync(StoreContractTests.NewMessage("m1"));
            _ = await DequeueAsync(before);
            _time.Advance(before.Queue.LeaseDuration); // The lease expires: delivered again, a second time.
            var second = await DequeueAsync(before);
            second.DeliveryCount.Should().Be(2);
            await second.AbandonAsync(TimeSpan.FromMinutes(10));
            (await Deliveries(before, "m1")).Should().Be(2);
        }

        await using var after = Open();
        await after.SqliteQueue.EnsureLoadedAsync();
        var early = async () => await DequeueAsync(after, TimeSpan.FromMilliseconds(300));
        await early.Should().ThrowAsync<OperationCanceledException>("the abandoned message's delay outlives the restart");
        _time.Advance(TimeSpan.FromMinutes(10));
        var third = await DequeueAsync(after);

        third.Message.MessageId.Should().Be("m1");
        third.DeliveryCount.Should().Be(3);
        await third.AckAsync();
        (await after.SqliteQueue.CountRowsAsync()).Should().Be(0);
    }

    [Test]
    public async Task A_delayed_message_still_waits_for_its_time_after_a_restart()
    {
        await using (var before = Open())
        {
            await before.Queue.TryEnqueueAsync(StoreContractTests.NewMessage("later") with { NotBefore = T0.AddMinutes(10) });
        }

        await using var after = Open();
        await after.SqliteQueue.EnsureLoadedAsync();
        var early = async () => await DequeueAsync(after, TimeSpan.FromMilliseconds(300));
        await early.Should().ThrowAsync<OperationCanceledException>();

        IFlowDelivery? delivered = null;
        for (var i = 0; i < 50 && delivered is null; i++)
        {
            _time.Advance(TimeSpan.FromMinutes(10));
            try
            {
                delivered = await DequeueAsync(after, TimeSpan.FromMilliseconds(100));
            }
            catch (OperationCanceledException)
            {
                // The timer may be armed a moment later.
            }
        }

        delivered!.Message.MessageId.Should().Be("later");
    }

    [Test]
    public async Task Concurrent_enqueues_are_committed_in_groups_and_all_of_them_are_on_disk()
    {
        const int Count = 300;
        await using (var stores = Open(queueCapacity: Count))
        {
            await stores.Database.EnsureInitializedAsync();
            var commitsBefore = stores.Database.Commits;

            var accepted = await Task.WhenAll(Enumerable.Range(0, Count).Select(i =>
                Task.Run(async () => await stores.Queue.TryEnqueueAsync(StoreContractTests.NewMessage($"m{i}")))));

            accepted.Should().AllSatisfy(a => a.Should().BeTrue());
            (stores.Database.Commits - commitsBefore).Should().BeLessThan(Count, "requests that arrive together share one commit");
        }

        using var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT COUNT(DISTINCT message_id) FROM queue;";
        ((long)command.ExecuteScalar()!).Should().Be(Count);
    }

    [Test]
    public async Task A_write_that_fails_in_a_group_fails_alone()
    {
        await using var stores = Open();
        await stores.Flows.AddAsync(StoreContractTests.NewFlow("taken", T0));

        var writes = Enumerable.Range(0, 20).Select(i => i == 10
            ? stores.Flows.AddAsync(StoreContractTests.NewFlow("taken", T0)).AsTask()
            : stores.Flows.AddAsync(StoreContractTests.NewFlow($"f{i}", T0)).AsTask()).ToArray();
        var all = async () => await Task.WhenAll(writes);

        await all.Should().ThrowAsync<InvalidOperationException>();
        writes.Count(w => w.IsFaulted).Should().Be(1);
        (await stores.Flows.ListAsync()).Should().HaveCount(20);
    }

    [Test]
    public async Task A_copy_of_the_database_files_reveals_no_secret()
    {
        const string Secret = "pet-api-key-7c1f0e9a";
        await using (var stores = Open())
        {
            var credential = StoreContractTests.NewCredential("c1", T0) with { Name = "Visible credential name" };
            credential.Fields["apiKey"] = Secret;
            await stores.Credentials.AddAsync(credential);
            (await stores.Credentials.GetAsync("c1"))!.Fields["apiKey"]!.Value<string>().Should().Be(Secret);

            // Read while the data is still in the WAL, as a copy taken from a running host would be.
            var files = ReadAllDatabaseFiles();
            Contains(files, "Visible credential name").Should().BeTrue("the scan reads the right files");
            Contains(files, Secret).Should().BeFalse();
            Contains(files, "hunter2").Should().BeFalse();
        }

        var afterClose = ReadAllDatabaseFiles();
        Contains(afterClose, Secret).Should().BeFalse();

        using var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT data, secret FROM credentials;";
        using var reader = command.ExecuteReader();
        reader.Read().Should().BeTrue();
        reader.GetString(0).Should().NotContain(Secret).And.NotContain("apiKey");
        Encoding.UTF8.GetString((byte[])reader.GetValue(1)).Should().NotContain(Secret);
    }

    [Test]
    public async Task Secrets_cannot_be_read_with_another_key()
    {
        await using (var stores = Open())
        {
            await stores.Credentials.AddAsync(StoreContractTests.NewCredential("c1", T0));
        }

        var otherKey = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32));
        await using var withOtherKey = Open(configure: o => o.EncryptionKey = otherKey);

        var act = async () => await withOtherKey.Credentials.GetAsync("c1");

        await act.Should().ThrowAsync<CryptographicException>();
    }

    [Test]
    public async Task A_large_step_output_is_truncated_in_the_run_log_but_never_in_the_queued_message()
    {
        var big = new string('x', 5000);
        await using var stores = Open(configure: o => o.MaxLoggedPayloadSize = 1024);
        var body = StoreContractTests.NewMessage("m1").Body.ToObject();
        body["big"] = big;
        var message = StoreContractTests.NewMessage("m1") with { Body = MessageBody.FromObject(body) };
        await stores.Queue.TryEnqueueAsync(message);
        var delivered = (await DequeueAsync(stores)).Message;

        var execution = Execution(delivered, ExecutionStatus.Running) with
        {
            Steps = [new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, Output = delivered.Body.ToObject(), StartedAt = T0, Input = new JObject { ["small"] = 1 } }],
        };
        await stores.Executions.StartAsync(execution);
        await stores.Executions.FinishAsync(execution.Id, false, null, T0.AddSeconds(1));

        delivered.Body.ToObject()["big"]!.Value<string>().Should().Be(big);
        var logged = (await stores.Executions.GetAsync(execution.Id))!.Steps[0];
        logged.Input!["small"]!.Value<int>().Should().Be(1);
        logged.Output!["_truncated"]!.Value<bool>().Should().BeTrue();
        logged.Output["size"]!.Value<int>().Should().BeGreaterThan(5000);
        logged.Output["preview"]!.Value<string>().Should().HaveLength(1024).And.StartWith("{\"petname\":\"Gromit\"");
    }

    [Test]
    public async Task The_schema_is_created_once_and_recorded_in_the_version_table()
    {
        await using (var first = Open())
        {
            await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => Task.Run(first.Database.EnsureInitializedAsync)));
        }

        await using (var second = Open())
        {
            await second.Database.EnsureInitializedAsync();
        }

        using var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=False");
        raw.Open();
        using var command = raw.CreateCommand();
        command.CommandText = "SELECT group_concat(version) FROM schema_version; ";
        command.ExecuteScalar().Should().Be(string.Join(",", Enumerable.Range(1, SqliteSchema.Migrations.Count)));
        command.CommandText = "PRAGMA journal_mode;";
        command.ExecuteScalar().Should().Be("wal");
    }

    [Test]
    public async Task A_database_from_a_newer_version_is_refused_with_a_clear_message()
    {
        await using (var first = Open())
        {
            await first.Database.EnsureInitializedAsync();
        }

        using (var raw = new SqliteConnection($"Data Source={DatabasePath};Pooling=False"))
        {
            raw.Open();
            using var command = raw.CreateCommand();
            command.CommandText = "INSERT INTO schema_version (version, applied_at) VALUES (99, 'later');";
            command.ExecuteNonQuery();
        }

        await using var second = Open();
        var act = async () => await second.Database.EnsureInitializedAsync();

        (await act.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*schema version 99*");
    }

    private SqliteStoreFactory Open(int queueCapacity = 1024, Action<SqliteStorageOptions>? configure = null) =>
        new(DatabasePath, _time, queueCapacity, configure);

    private static async Task<IFlowDelivery> DequeueAsync(SqliteStoreFactory stores, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(5));
        return await stores.Queue.DequeueAsync(cts.Token);
    }

    private static async ValueTask<long> Deliveries(SqliteStoreFactory stores, string messageId)
    {
        await stores.Database.FlushAsync();
        return await stores.Database.ReadAsync(context =>
        {
            var command = context.Command("SELECT deliveries FROM queue WHERE message_id = $id;");
            command.Parameters.AddWithValue("$id", messageId);
            return (long)command.ExecuteScalar()!;
        });
    }

    private static FlowExecution Execution(IFlowDelivery delivery, ExecutionStatus status) => Execution(delivery.Message, status) with
    {
        DeliveryCount = delivery.DeliveryCount,
    };

    private static FlowExecution Execution(QueuedMessage message, ExecutionStatus status) => new()
    {
        Id = message.ExecutionId,
        FlowId = message.FlowId,
        FlowVersion = message.FlowVersion,
        RequestId = message.RequestId,
        MessageId = message.MessageId,
        Status = status,
        StartedAt = T0,
        FinishedAt = status == ExecutionStatus.Running ? null : T0.AddSeconds(1),
    };

    private byte[] ReadAllDatabaseFiles()
    {
        using var all = new MemoryStream();
        // The lock file holds the owner's pid and host only, and is locked while the store is open.
        foreach (var file in Directory.GetFiles(_directory.Path).Where(f => !f.EndsWith(".lock", StringComparison.Ordinal)))
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
            stream.CopyTo(all);
        }

        return all.ToArray();
    }

    private static bool Contains(byte[] haystack, string needle) =>
        haystack.AsSpan().IndexOf(Encoding.UTF8.GetBytes(needle)) >= 0 || haystack.AsSpan().IndexOf(Encoding.Unicode.GetBytes(needle)) >= 0;
}
