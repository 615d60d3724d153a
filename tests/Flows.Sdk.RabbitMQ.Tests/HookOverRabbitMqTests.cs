using System.Net;
using Flows.Sdk.RabbitMQ.Tests.Support;
using Newtonsoft.Json.Linq;
using RabbitMQ.Client;

namespace Flows.Sdk.RabbitMQ.Tests;

/// <summary>The hook over Kestrel with its messages in RabbitMQ: the confirm before the 200, replies across nodes, a broker outage.</summary>
[CancelAfter(60_000)]
public sealed class HookOverRabbitMqTests
{
    [Test]
    public async Task The_hook_answers_200_only_once_the_broker_holds_the_message_persistent()
    {
        var prefix = TestBroker.NewPrefix();
        await using var host = await RabbitHost.StartAsync(prefix, workers: false);
        var flowId = await host.LiveFlowAsync(RabbitHost.TriggerOnly);

        using var response = await host.Client.PostAsync($"/hook/{flowId}", new StringContent("""{"order": 42}""", System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var executionId = response.Headers.GetValues("x-execution-id").Single();

        // Nobody consumes on this node: what the 200 promised is in the broker now, persistent, with the body as accepted.
        var factory = new ConnectionFactory { Uri = TestBroker.Uri() };
        await using var connection = await factory.CreateConnectionAsync();
        await using var channel = await connection.CreateChannelAsync();
        BasicGetResult? got = null;
        for (var i = 0; i < 4 && got is null; i++)
        {
            got = await channel.BasicGetAsync($"{prefix}.work.{i}", autoAck: false);
        }

        got.Should().NotBeNull("the accepted message is in its work queue");
        got!.BasicProperties.Persistent.Should().BeTrue();
        got.BasicProperties.CorrelationId.Should().Be(executionId);
        var message = JObject.Parse(System.Text.Encoding.UTF8.GetString(got.Body.Span));
        message["body"]!["order"]!.Value<int>().Should().Be(42);
        message["flowId"]!.ToString().Should().Be(flowId);
        await channel.BasicNackAsync(got.DeliveryTag, multiple: false, requeue: true);
    }

    [Test]
    public async Task A_synchronous_reply_reaches_the_waiting_hook_when_another_node_runs_the_flow()
    {
        var prefix = TestBroker.NewPrefix();
        var stores = new RabbitNode.MemoryStores();
        await using var waiting = await RabbitHost.StartAsync(prefix, stores, workers: false); // node A: accepts, never runs
        await using var running = await RabbitHost.StartAsync(prefix, stores);                 // node B: runs
        var flowId = await waiting.LiveFlowAsync("""
            {"name": "replies", "steps": [
             {"id": "step_1", "componentId": "webhook", "function": "receive"},
             {"id": "step_2", "componentId": "reply", "function": "httpReply", "mapping": {"statusCode": "202", "responseBody": "petname"}}]}
            """);

        using var response = await waiting.Client.PostAsync($"/hook/{flowId}", new StringContent("""{"petname": "Gromit"}""", System.Text.Encoding.UTF8, "application/json"));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await response.Content.ReadAsStringAsync()).Should().Be("\"Gromit\"");
        var executionId = response.Headers.GetValues("x-execution-id").Single();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        (await running.FinishedStatusAsync(executionId, deadline.Token)).Should().Be("succeeded");
    }

    [Test]
    public async Task While_the_broker_is_unreachable_the_hook_answers_503_with_Retry_After_and_afterwards_recovers_losing_nothing()
    {
        var prefix = TestBroker.NewPrefix();
        await using var proxy = new TcpProxy(TestBroker.Port);
        await using var host = await RabbitHost.StartAsync(prefix, port: proxy.Port);
        var flowId = await host.LiveFlowAsync(RabbitHost.TriggerOnly);
        var accepted = new List<string> { await HookAsync(host, flowId, HttpStatusCode.OK) };
        (await host.SendAsync(HttpMethod.Get, "/healthz")).Status.Should().Be(200);

        await proxy.CutAsync();

        using (var refused = await host.Client.PostAsync($"/hook/{flowId}", Json("""{"during": "outage"}""")))
        {
            refused.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            refused.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
            refused.Headers.RetryAfter!.Delta.Should().BePositive();
        }

        (await host.SendAsync(HttpMethod.Get, "/healthz")).Status.Should().Be(503);

        proxy.Restore();

        // The client reconnects by itself: hooks are accepted again within a bounded time.
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            using var again = await host.Client.PostAsync($"/hook/{flowId}", Json("""{"after": "outage"}"""), deadline.Token);
            if (again.StatusCode == HttpStatusCode.OK)
            {
                accepted.Add(again.Headers.GetValues("x-execution-id").Single());
                break;
            }

            again.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable);
            await Task.Delay(100, deadline.Token);
        }

        accepted.Add(await HookAsync(host, flowId, HttpStatusCode.OK));
        foreach (var executionId in accepted)
        {
            (await host.FinishedStatusAsync(executionId, deadline.Token)).Should().Be("succeeded", "every acknowledged request runs");
        }

        (await host.SendAsync(HttpMethod.Get, "/healthz")).Status.Should().Be(200);
    }

    private static StringContent Json(string json) => new(json, System.Text.Encoding.UTF8, "application/json");

    private static async Task<string> HookAsync(RabbitHost host, string flowId, HttpStatusCode expected)
    {
        using var response = await host.Client.PostAsync($"/hook/{flowId}", Json("""{"n": 1}"""));
        response.StatusCode.Should().Be(expected);
        return response.Headers.GetValues("x-execution-id").Single();
    }
}
