using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Execution;
using Flows.Sdk.Hooks;
using Flows.Sdk.Sqlite.Tests.Contract;
using Flows.Sdk.Storage;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>What the SQLite replay store adds to the contract: its ids survive a restart; expired rows are deleted.</summary>
[CancelAfter(60_000)]
public sealed class SqliteReplayStoreTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    private static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task A_registration_made_before_a_restart_is_still_a_replay_after_it()
    {
        var time = new FakeTimeProvider(T0);
        await using (var before = new SqliteStoreFactory(_directory.File("flows.db"), time))
        {
            (await new SqliteReplayStore(before.Database, time).TryRegisterAsync("flow-1", "msg-1", "req-1", Window)).IsFirst.Should().BeTrue();
        }

        time.Advance(Window - TimeSpan.FromSeconds(1));
        await using var after = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var replay = await new SqliteReplayStore(after.Database, time).TryRegisterAsync("flow-1", "msg-1", "req-2", Window);

        replay.Should().Be(new ReplayRegistration(false, "req-1"));
    }

    [Test]
    public async Task Expired_rows_are_deleted_and_live_ones_kept()
    {
        var time = new FakeTimeProvider(T0);
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var store = new SqliteReplayStore(stores.Database, time);
        for (var i = 0; i < 10; i++)
        {
            await store.TryRegisterAsync("flow-1", $"old-{i}", $"req-{i}", Window);
        }

        time.Advance(Window);
        await store.TryRegisterAsync("flow-1", "new", "req-new", Window);

        (await store.DeleteExpiredAsync()).Should().Be(1, "only the registration still in its window is left");
    }

    [Test]
    public async Task Registrations_are_deleted_in_the_background_once_their_window_passed()
    {
        var time = new FakeTimeProvider(T0);
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var store = new SqliteReplayStore(stores.Database, time);
        await store.TryRegisterAsync("flow-1", "old", "req-1", Window);
        time.Advance(Window);

        await store.TryRegisterAsync("flow-1", "new", "req-2", Window); // more than a minute later: deletes the expired rows behind
        await stores.Database.WriteAsync(static _ => 0);

        var rows = await stores.Database.ReadAsync(context => (long)context.Command("SELECT COUNT(*) FROM replay_ids;").ExecuteScalar()!);
        rows.Should().Be(1);
    }

    [Test]
    public async Task Registrations_are_kept_in_memory_only_until_their_commit()
    {
        var time = new FakeTimeProvider(T0);
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var store = new SqliteReplayStore(stores.Database, time);
        for (var i = 0; i < 50; i++)
        {
            await store.TryRegisterAsync("flow-1", $"msg-{i}", $"req-{i}", Window);
        }

        await stores.Database.WriteAsync(static _ => 0);

        var deadline = Stopwatch.StartNew();
        while (store.PendingCount > 0)
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "committed registrations leave the pending set");
            await Task.Delay(10);
        }

        (await store.TryRegisterAsync("flow-1", "msg-7", "again", Window)).Should().Be(new ReplayRegistration(false, "req-7"), "the table answers now");
    }

    [Test]
    public async Task A_registration_and_its_message_are_kept_in_one_transaction_or_not_at_all()
    {
        var time = new FakeTimeProvider(T0);
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var store = new SqliteReplayStore(stores.Database, time, stores.Queue);
        (await store.TryRegisterAsync("f1", "msg-1", "req-1", Window)).IsFirst.Should().BeTrue();

        // A commit between the registration and the message: before, the registration went to disk here, alone.
        await stores.Database.WriteAsync(static _ => 0);
        (await CountAsync(stores, "replay_ids")).Should().Be(0, "the registration waits for its message");

        // The message's commit fails (a crash or a full disk at that moment): nothing of the two is kept.
        stores.Database.InjectCommitFailures(1, 13);
        var message = StoreContractTests.NewMessage("m1") with { RequestId = "req-1", Request = new TriggerRequest("POST", "http://h/hook/f1", "", [], []) };
        var enqueue = async () => await stores.Queue.TryEnqueueAsync(message);
        await enqueue.Should().ThrowAsync<StorageUnavailableException>();
        (await CountAsync(stores, "replay_ids")).Should().Be(0);
        (await CountAsync(stores, "queue")).Should().Be(0);

        // The sender's retry (no ForgetAsync: a crash would not call it either) is a new message, and this time both are kept.
        var deadline = Stopwatch.StartNew();
        ReplayRegistration retry;
        while (!(retry = await store.TryRegisterAsync("f1", "msg-1", "req-2", Window)).IsFirst)
        {
            deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(5), "the failed registration leaves the pending set");
            await Task.Delay(10);
        }

        retry.FirstRequestId.Should().Be("req-2");
        (await stores.Queue.TryEnqueueAsync(message with { RequestId = "req-2" })).Should().BeTrue();
        (await CountAsync(stores, "replay_ids")).Should().Be(1);
        (await CountAsync(stores, "queue")).Should().Be(1);
        (await store.TryRegisterAsync("f1", "msg-1", "req-3", Window)).Should().Be(new ReplayRegistration(false, "req-2"));
    }

    [Test]
    public async Task A_registration_whose_message_is_not_queued_is_forgotten_and_never_written()
    {
        var time = new FakeTimeProvider(T0);
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var store = new SqliteReplayStore(stores.Database, time, stores.Queue);
        await store.TryRegisterAsync("f1", "msg-1", "req-1", Window);

        await store.ForgetAsync("f1", "msg-1", "req-1");
        await stores.Queue.TryEnqueueAsync(StoreContractTests.NewMessage("m1") with { RequestId = "req-1", Request = new TriggerRequest("POST", "u", "", [], []) });

        (await CountAsync(stores, "replay_ids")).Should().Be(0);
        (await store.TryRegisterAsync("f1", "msg-1", "req-2", Window)).IsFirst.Should().BeTrue();
    }

    private static async Task<long> CountAsync(SqliteStoreFactory stores, string table)
    {
        await stores.Database.FlushAsync();
        return await stores.Database.ReadAsync(context => (long)context.Command($"SELECT COUNT(*) FROM {table};").ExecuteScalar()!);
    }

    [Test]
    public async Task A_signed_message_replayed_to_a_restarted_host_is_acknowledged_with_its_first_request_id_and_not_run_again(
        CancellationToken cancellationToken)
    {
        var path = _directory.File("flows.db");
        var key = RandomNumberGenerator.GetBytes(24);
        const string Body = """{"value": "once"}""";
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"msg_1.{timestamp}.{Body}")));
        (string, string)[] headers = [("webhook-id", "msg_1"), ("webhook-timestamp", timestamp), ("webhook-signature", signature)];

        string flowId;
        string firstRequestId;
        await using (var first = await App.StartAsync(path))
        {
            flowId = await first.LiveFlowAsync(new JObject { ["type"] = "hmac", ["preset"] = "standard-webhooks", ["secret"] = "whsec_" + Convert.ToBase64String(key) }, cancellationToken);
            using var accepted = await first.PostAsync(flowId, Body, headers, cancellationToken);
            accepted.StatusCode.Should().Be(HttpStatusCode.OK);
            firstRequestId = (string)JObject.Parse(await accepted.Content.ReadAsStringAsync(cancellationToken))["requestId"]!;
            (await first.WaitForExecutionsAsync(flowId, 1, cancellationToken)).Should().ContainSingle();
        }

        await using var restarted = await App.StartAsync(path);
        using var replay = await restarted.PostAsync(flowId, Body, headers, cancellationToken);

        replay.StatusCode.Should().Be(HttpStatusCode.OK);
        ((string)JObject.Parse(await replay.Content.ReadAsStringAsync(cancellationToken))["requestId"]!).Should().Be(firstRequestId);
        replay.Headers.Contains("x-execution-id").Should().BeFalse("a replay is not queued as a new execution");
        var executions = await restarted.WaitForExecutionsAsync(flowId, 1, cancellationToken);
        executions.Should().ContainSingle().Which["requestId"]!.ToString().Should().Be(firstRequestId);
        restarted.Events.Should().Contain(2004, "the replay is logged as one");
    }

    /// <summary>The SQLite host with this class's helpers.</summary>
    private sealed class App : SqliteHookApp
    {
        private App(Started started)
            : base(started)
        {
        }

        public static async Task<App> StartAsync(string path) => new(await StartHostAsync(path));

        public async Task<string> LiveFlowAsync(JObject webhookFields, CancellationToken cancellationToken)
        {
            var credential = await SendAsync(HttpMethod.Post, "/api/credentials",
                new JObject { ["name"] = "hook", ["componentId"] = "webhook", ["fields"] = webhookFields }, HttpStatusCode.Created, cancellationToken);
            var trigger = new JObject { ["id"] = "step_1", ["componentId"] = "webhook", ["function"] = "receive", ["credentialId"] = credential["id"] };
            var flow = await SendAsync(HttpMethod.Post, "/api/flows", new JObject { ["name"] = "replays", ["steps"] = new JArray(trigger) }, HttpStatusCode.Created, cancellationToken);
            var id = (string)flow["id"]!;
            await SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish", null, HttpStatusCode.OK, cancellationToken);
            await SendAsync(HttpMethod.Post, $"/api/flows/{id}/start", null, HttpStatusCode.OK, cancellationToken);
            return id;
        }

        public Task<HttpResponseMessage> PostAsync(string flowId, string body, (string Name, string Value)[] headers, CancellationToken cancellationToken)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, $"/hook/{flowId}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            foreach (var (name, value) in headers)
            {
                request.Headers.TryAddWithoutValidation(name, value);
            }

            return Client.SendAsync(request, cancellationToken);
        }

        /// <summary>Waits (at most 20 s) until the flow has at least <paramref name="count"/> finished executions; returns them all.</summary>
        public async Task<JArray> WaitForExecutionsAsync(string flowId, int count, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                var page = await SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/executions", null, HttpStatusCode.OK, cancellationToken);
                var items = (JArray)page["items"]!;
                if (items.Count(e => (string?)e["status"] is "succeeded" or "Succeeded") >= count)
                {
                    return items;
                }

                deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), $"{count} executions should finish; the run log has {items}");
                await Task.Delay(50, cancellationToken);
            }
        }
    }
}
