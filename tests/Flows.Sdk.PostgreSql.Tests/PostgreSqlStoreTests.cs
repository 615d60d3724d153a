using System.Net;
using System.Net.Sockets;
using System.Text;
using Flows.Sdk.Contracts;
using Flows.Sdk.Flows;
using Flows.Sdk.PostgreSql.Tests.Support;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.PostgreSql.Tests;

/// <summary>What PostgreSQL adds to the contracts: migration by many nodes at once, the key, the feed across nodes, outages.</summary>
[CancelAfter(60_000)]
public sealed class PostgreSqlStoreTests
{
    [Test]
    public async Task Three_nodes_starting_at_once_on_an_empty_schema_migrate_it_once_and_all_serve()
    {
        var schema = TestDatabase.NewSchema();

        var nodes = await Task.WhenAll(Enumerable.Range(0, 3).Select(_ => Task.Run(() => PgHookApp.StartAsync(schema))));
        try
        {
            var versions = await TestDatabase.QueryAsync(schema, "SELECT version FROM schema_version ORDER BY version;");
            versions.Select(r => (int)r[0]!).Should().Equal(Enumerable.Range(1, PostgreSqlDatabase.LatestVersion), "each migration is applied once");
            (await TestDatabase.QueryAsync(schema, "SELECT id FROM key_check;")).Should().ContainSingle();
            nodes.Sum(n => n.Events.Count(id => id == 5501)).Should().Be(3, "every node opened the store");

            var created = await nodes[0].SendAsync(HttpMethod.Post, "/api/credentials",
                new JObject { ["name"] = "shared", ["componentId"] = "webhook", ["fields"] = new JObject { ["type"] = "none" } }, HttpStatusCode.Created);
            foreach (var node in nodes)
            {
                (await node.SendAsync(HttpMethod.Get, $"/api/credentials/{created["id"]}", null, HttpStatusCode.OK))["name"]!.Value<string>().Should().Be("shared");
                (await node.Client.GetAsync("/healthz")).StatusCode.Should().Be(HttpStatusCode.OK);
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                await node.DisposeAsync();
            }
        }
    }

    [Test]
    public async Task A_crashed_nodes_queue_lease_comes_back_to_another_node_after_30_seconds_not_the_5_minutes_configured(CancellationToken cancellationToken)
    {
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 3, 12, 0, 0, TimeSpan.Zero));
        var schema = TestDatabase.NewSchema();
        await using var crashed = new PgStores(time, schema);
        await using var survivor = new PgStores(time, schema);
        var options = Options.Create(new global::Flows.Sdk.DependencyInjection.WebhookFlowsOptions { QueueLeaseDuration = TimeSpan.FromMinutes(5) });
        var first = new PostgreSqlFlowQueue(crashed.Database, options, time);
        var second = new PostgreSqlFlowQueue(survivor.Database, options, time);
        first.LeaseDuration.Should().Be(PostgreSqlFlowQueue.MaxLeaseDuration).And.Be(TimeSpan.FromSeconds(30));

        (await first.TryEnqueueAsync(StoreContractTests.NewMessage("m1") with { FlowId = "f1" }, cancellationToken)).Should().BeTrue();
        var taken = await first.DequeueAsync(new AdmitAll(), cancellationToken);
        taken.LeaseExpiresAt.Should().Be(time.GetUtcNow() + TimeSpan.FromSeconds(30));

        // The first node dies holding the lease (never renewed, never settled): 30 s later the other node gets the message.
        time.Advance(TimeSpan.FromSeconds(30));
        using var within = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        within.CancelAfter(TimeSpan.FromSeconds(10));
        var again = await second.DequeueAsync(new AdmitAll(), within.Token);
        again.Message.MessageId.Should().Be("m1");
        again.DeliveryCount.Should().Be(2);
        await again.AckAsync(cancellationToken);
        second.Count.Should().Be(0);
    }

    [Test]
    public async Task A_flow_state_change_published_on_one_node_reaches_another_within_a_second()
    {
        var schema = TestDatabase.NewSchema();
        await using var a = await PgHookApp.StartAsync(schema);
        await using var b = await PgHookApp.StartAsync(schema);
        var received = new TaskCompletionSource<FlowStateChange>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var subscription = b.Services.GetRequiredService<IFlowStateFeed>().Subscribe(change => received.TrySetResult(change));
        await ((PostgreSqlFlowStateFeed)b.Services.GetRequiredService<IFlowStateFeed>()).Listening.WaitAsync(TimeSpan.FromSeconds(10));
        var change = new FlowStateChange("f1", FlowStateChangeKind.Started, FlowState.Running, 1, 1, 3, DateTimeOffset.UtcNow);

        var sent = DateTime.UtcNow;
        await a.Services.GetRequiredService<IFlowStateFeed>().PublishAsync(change);
        var seen = await received.Task.WaitAsync(TimeSpan.FromSeconds(5));

        (DateTime.UtcNow - sent).Should().BeLessThan(TimeSpan.FromSeconds(1));
        seen.Should().Be(change with { ChangedAt = new DateTimeOffset(change.ChangedAt.UtcTicks, TimeSpan.Zero) });
    }

    [Test]
    public async Task An_unreachable_server_is_answered_503_with_retry_after_and_the_health_check_says_so()
    {
        var closed = ClosedPort();
        var unreachable = $"Host=127.0.0.1;Port={closed};Username=postgres;Password=flows;Database=nowhere;Timeout=2";
        await using var app = await PgHookApp.StartAsync(TestDatabase.NewSchema(), unreachable);

        using var create = await app.Client.PostAsync("/api/credentials",
            new StringContent("""{"name": "c", "componentId": "webhook", "fields": {"type": "none"}}""", Encoding.UTF8, "application/json"));
        using var read = await app.Client.GetAsync("/api/executions/e1");
        using var health = await app.Client.GetAsync("/healthz");

        foreach (var response in new[] { create, read })
        {
            response.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, await response.Content.ReadAsStringAsync());
            response.Headers.RetryAfter!.Delta.Should().BePositive();
            response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        }

        health.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
        app.Events.Should().Contain(5505, "the start said it could not prepare the store").And.Contain(5502, "the outage is logged");
        app.Events.Count(id => id == 5502).Should().Be(1, "an outage is logged once");
    }

    [Test]
    public async Task Credentials_are_never_stored_in_clear()
    {
        await using var stores = new PgStores(new FakeTimeProvider(StoreContractTests.T0));
        var credential = StoreContractTests.NewCredential("c1", StoreContractTests.T0) with { Name = "Visible credential name" };

        await stores.Credentials.AddAsync(credential);

        var rows = await TestDatabase.QueryAsync(stores.Schema, "SELECT id, name, component_id, secret FROM credentials;");
        var atRest = string.Join("\n", rows.SelectMany(r => r).Select(v => v is byte[] bytes ? Encoding.UTF8.GetString(bytes) + Convert.ToHexString(bytes) : v?.ToString()));
        atRest.Should().Contain("Visible credential name", "what is not secret stays readable");
        atRest.Should().NotContain("s3cr3t-c1").And.NotContain("hunter2").And.NotContain(Convert.ToHexString(Encoding.UTF8.GetBytes("s3cr3t-c1")));
        var dump = await TestDatabase.QueryAsync(stores.Schema, "SELECT string_agg(t::text, ' ') FROM credentials t;");
        ((string)dump[0][0]!).Should().NotContain("s3cr3t").And.NotContain(Convert.ToHexString(Encoding.UTF8.GetBytes("s3cr3t")).ToLowerInvariant());
        (await stores.Credentials.GetAsync("c1"))!.Fields["apiKey"]!.Value<string>().Should().Be("s3cr3t-c1");
    }

    [Test]
    public async Task A_wrong_key_fails_the_start_and_changes_nothing()
    {
        var schema = TestDatabase.NewSchema();
        await using (var first = new PgStores(new FakeTimeProvider(), schema))
        {
            await first.Credentials.AddAsync(StoreContractTests.NewCredential("c1", StoreContractTests.T0));
        }

        var otherKey = Convert.ToBase64String(Enumerable.Range(100, 32).Select(i => (byte)i).ToArray());
        await using var second = new PgStores(new FakeTimeProvider(), schema, configure: o => o.EncryptionKey = otherKey);
        var start = async () => await second.Database.EnsureInitializedAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("Storage:PostgreSql:EncryptionKey");
        (await TestDatabase.QueryAsync(schema, "SELECT count(*) FROM credentials;"))[0][0].Should().Be(1L);
    }

    [Test]
    public async Task A_schema_newer_than_the_package_is_refused()
    {
        var schema = TestDatabase.NewSchema();
        await using (var first = new PgStores(new FakeTimeProvider(), schema))
        {
            await first.Database.EnsureInitializedAsync();
        }

        await TestDatabase.QueryAsync(schema, $"INSERT INTO schema_version (version) VALUES ({PostgreSqlDatabase.LatestVersion + 1});");
        await using var second = new PgStores(new FakeTimeProvider(), schema);
        var start = async () => await second.Database.EnsureInitializedAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).Which.Message.Should().Contain("newer than this version");
    }

    [Test]
    public async Task Missing_or_malformed_settings_fail_the_host_at_start_naming_them()
    {
        var act = async () =>
        {
            await using var app = await PgHookApp.StartAsync("Bad-Schema", connectionString: "Host=127.0.0.1;Port=5432", key: "short");
        };

        var failure = (await act.Should().ThrowAsync<OptionsValidationException>()).Which;
        failure.Message.Should().Contain("Storage:PostgreSql:EncryptionKey").And.Contain("Schema");
    }

    [Test]
    public async Task Operations_fail_with_storage_unavailable_while_the_server_is_unreachable()
    {
        var unreachable = $"Host=127.0.0.1;Port={ClosedPort()};Username=postgres;Password=flows;Timeout=2";
        await using var stores = new PgStores(new FakeTimeProvider(), configure: o => o.ConnectionString = unreachable);

        var read = async () => await stores.Executions.GetAsync("e1");
        var write = async () => await stores.Snapshots.SaveAsync("f1", "s1", new JObject());

        (await read.Should().ThrowAsync<StorageUnavailableException>()).Which.RetryAfter.Should().BePositive();
        await write.Should().ThrowAsync<StorageUnavailableException>();
    }

    private static int ClosedPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    /// <summary>Admits every flow (no concurrency caps).</summary>
    private sealed class AdmitAll : global::Flows.Sdk.Execution.IFlowAdmission
    {
        public bool TryAdmit(string flowId, IReadOnlyCollection<string> flowsWaiting) => true;

        public IDisposable OnSlotFreed(Action changed) => new CancellationTokenSource();
    }
}
