using System.Diagnostics;
using System.Net;
using System.Text;
using Flows.Sdk.PostgreSql.Tests.Support;
using Flows.Sdk.Testing;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.PostgreSql.Tests;

/// <summary>Several nodes on one PostgreSQL schema: the example's processes, and in-process hosts over real HTTP.</summary>
public sealed class MultiNodeTests
{
    [Test]
    [CancelAfter(120_000)]
    public async Task Three_example_nodes_starting_at_once_on_an_empty_database_seed_the_tutorial_once(CancellationToken cancellationToken)
    {
        var schema = TestDatabase.NewSchema();
        var nodes = Enumerable.Range(0, 3).Select(i => ExampleNode.Launch($"node {i}", new Dictionary<string, string>
        {
            ["--Storage:Provider"] = "PostgreSql",
            ["--Storage:PostgreSql:ConnectionString"] = TestDatabase.ConnectionString,
            ["--Storage:PostgreSql:Schema"] = schema,
            ["--Storage:PostgreSql:EncryptionKey"] = TestDatabase.TestKey,
        })).ToArray();
        try
        {
            await Task.WhenAll(nodes.Select(n => n.WaitForTutorialAsync(cancellationToken)));

            var flowIds = new List<string>();
            foreach (var node in nodes)
            {
                var flows = (JArray)JObject.Parse(await node.Client.GetStringAsync("/api/flows", cancellationToken))["items"]!;
                flows.Should().ContainSingle("the tutorial was seeded once, whichever node got there first");
                flowIds.Add((string)flows[0]["id"]!);
                ((JArray)JObject.Parse(await node.Client.GetStringAsync("/api/credentials", cancellationToken))["items"]!).Should().HaveCount(2);
                (await node.Client.GetAsync("/healthz", cancellationToken)).StatusCode.Should().Be(HttpStatusCode.OK);
            }

            flowIds.Distinct().Should().ContainSingle();
            nodes.Count(n => n.Output.Contains("flow created", StringComparison.Ordinal)).Should().Be(1);
            foreach (var node in nodes)
            {
                using var hook = await node.Client.PostAsync($"/hook/{flowIds[0]}",
                    new StringContent("""{"petname": "Gromit", "petstatus": "sold"}""", Encoding.UTF8, "application/json"), cancellationToken);
                hook.StatusCode.Should().Be(HttpStatusCode.OK, await hook.Content.ReadAsStringAsync(cancellationToken));
            }
        }
        finally
        {
            foreach (var node in nodes)
            {
                node.Dispose();
            }
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_flow_started_on_one_node_answers_on_another_within_a_second_and_a_stop_on_a_third_is_seen_within_a_second()
    {
        var schema = TestDatabase.NewSchema();
        await using var a = await PgHookApp.StartAsync(schema);
        await using var b = await PgHookApp.StartAsync(schema);
        await using var c = await PgHookApp.StartAsync(schema);
        var credential = await a.SendAsync(HttpMethod.Post, "/api/credentials",
            new JObject { ["name"] = "none", ["componentId"] = "webhook", ["fields"] = new JObject { ["type"] = "none" } }, HttpStatusCode.Created);
        var flow = await a.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "hook only", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{credential["id"]}}"}]}
            """), HttpStatusCode.Created);
        var id = (string)flow["id"]!;
        await a.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish", null, HttpStatusCode.OK);
        (await HookAsync(b, id)).Should().Be(HttpStatusCode.NotFound, "the flow is not running yet");

        await a.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start", null, HttpStatusCode.OK);
        var started = Stopwatch.StartNew();
        await UntilAsync(b, id, HttpStatusCode.OK);
        started.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "a start reaches every node within a second");

        await c.SendAsync(HttpMethod.Post, $"/api/flows/{id}/stop", null, HttpStatusCode.OK);
        var stopped = Stopwatch.StartNew();
        await UntilAsync(a, id, HttpStatusCode.NotFound);
        stopped.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "a stop reaches every node within a second");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Hooks_sent_round_robin_to_three_nodes_are_each_recorded_once_succeeded_seen_from_any_node()
    {
        const int Hooks = 30;
        var schema = TestDatabase.NewSchema();
        await using var a = await PgHookApp.StartAsync(schema);
        await using var b = await PgHookApp.StartAsync(schema);
        await using var c = await PgHookApp.StartAsync(schema);
        var nodes = new[] { a, b, c };
        var id = await LiveHookFlowAsync(a);

        var executionIds = new List<string>();
        for (var i = 0; i < Hooks; i++)
        {
            using var response = await nodes[i % 3].Client.PostAsync($"/hook/{id}", new StringContent($$"""{"n": {{i}}}""", Encoding.UTF8, "application/json"));
            response.StatusCode.Should().Be(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
            executionIds.Add(response.Headers.GetValues("x-execution-id").Single());
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        foreach (var node in nodes)
        {
            while (true)
            {
                var items = (JArray)(await node.SendAsync(HttpMethod.Get, $"/api/flows/{id}/executions?limit=100", null, HttpStatusCode.OK))["items"]!;
                if (items.Count == Hooks && items.All(e => (string?)e["status"] == "succeeded"))
                {
                    items.Select(e => (string)e["id"]!).Should().BeEquivalentTo(executionIds, "every accepted request has exactly one execution");
                    break;
                }

                DateTime.UtcNow.Should().BeBefore(deadline, $"all {Hooks} executions should have succeeded by now; {items.Count} are recorded");
                await Task.Delay(50);
            }
        }

        (await TestDatabase.QueryAsync(schema, "SELECT count(*) FROM queue;"))[0][0].Should().Be(0L, "every message was acknowledged");
    }

    private static async Task<string> LiveHookFlowAsync(PgHookApp node)
    {
        var credential = await node.SendAsync(HttpMethod.Post, "/api/credentials",
            new JObject { ["name"] = "none", ["componentId"] = "webhook", ["fields"] = new JObject { ["type"] = "none" } }, HttpStatusCode.Created);
        var flow = await node.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "hook only", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{credential["id"]}}"}]}
            """), HttpStatusCode.Created);
        var id = (string)flow["id"]!;
        await node.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish", null, HttpStatusCode.OK);
        await node.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start", null, HttpStatusCode.OK);
        return id;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_credential_deleted_on_one_node_is_gone_from_the_other_nodes_caches_within_a_second(CancellationToken cancellationToken)
    {
        var schema = TestDatabase.NewSchema();
        await using var a = await PgHookApp.StartAsync(schema);
        await using var b = await PgHookApp.StartAsync(schema);
        var feed = b.Services.GetRequiredService<PostgreSqlFlowStateFeed>();
        await feed.Listening.WaitAsync(cancellationToken);
        var credential = await a.SendAsync(HttpMethod.Post, "/api/credentials",
            new JObject { ["name"] = "none", ["componentId"] = "webhook", ["fields"] = new JObject { ["type"] = "none" } }, HttpStatusCode.Created, cancellationToken);
        var id = (string)credential["id"]!;

        // B reads it, so its cache holds it; then A deletes it.
        await b.SendAsync(HttpMethod.Get, $"/api/credentials/{id}", null, HttpStatusCode.OK, cancellationToken);
        await a.SendAsync(HttpMethod.Delete, $"/api/credentials/{id}", null, HttpStatusCode.NoContent, cancellationToken);

        var deleted = Stopwatch.StartNew();
        while (true)
        {
            using var response = await b.Client.GetAsync($"/api/credentials/{id}", cancellationToken);
            if (response.StatusCode == HttpStatusCode.NotFound)
            {
                break;
            }

            response.StatusCode.Should().Be(HttpStatusCode.OK);
            deleted.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(1), "a delete reaches every node's cache within a second");
            await Task.Delay(20, cancellationToken);
        }

        // A flow on B cannot use it any more: the draft is refused, naming the credential.
        var flow = await b.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "hook only", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{id}}"}]}
            """), HttpStatusCode.Created, cancellationToken);
        using var publish = await b.Client.PostAsync($"/api/flows/{flow["id"]}/publish", null, cancellationToken);
        publish.IsSuccessStatusCode.Should().BeFalse("the credential is gone on every node");
        (await publish.Content.ReadAsStringAsync(cancellationToken)).Should().Contain(id);
    }

    private static async Task<HttpStatusCode> HookAsync(PgHookApp node, string flowId)
    {
        using var response = await node.Client.PostAsync($"/hook/{flowId}", new StringContent("""{"a": 1}""", Encoding.UTF8, "application/json"));
        return response.StatusCode;
    }

    private static async Task UntilAsync(PgHookApp node, string flowId, HttpStatusCode expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (await HookAsync(node, flowId) != expected)
        {
            DateTime.UtcNow.Should().BeBefore(deadline, $"the hook should answer {expected} by now");
            await Task.Delay(20);
        }
    }
}
