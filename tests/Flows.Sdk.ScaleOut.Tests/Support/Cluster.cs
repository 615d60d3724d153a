using System.Net;
using System.Text;
using Flows.Sdk.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.ScaleOut.Tests.Support;

/// <summary>
/// Three example processes (<c>a</c>, <c>b</c>, <c>c</c>) started at the same moment on one PostgreSQL schema of their own and
/// one RabbitMQ virtual host of their own (<c>--Storage:Provider=PostgreSql --Queue:Provider=RabbitMQ</c>), each seeding the
/// tutorial, each calling the test's <see cref="RecordingPetstore"/> at an address of its own. Disposing kills the processes,
/// drops the schema and deletes the virtual host.
/// </summary>
internal sealed class Cluster : IAsyncDisposable
{
    public const string TutorialFlowName = "Petstore tutorial: webhook to Create a Pet";

    private readonly string? _virtualHost;

    private Cluster(ExampleNode[] nodes, string schema, string? virtualHost, RecordingPetstore petstore)
    {
        Nodes = nodes;
        Schema = schema;
        _virtualHost = virtualHost;
        Petstore = petstore;
    }

    public ExampleNode[] Nodes { get; }

    public ExampleNode A => Nodes[0];

    public ExampleNode B => Nodes[1];

    public ExampleNode C => Nodes[2];

    public string Schema { get; }

    public RecordingPetstore Petstore { get; }

    /// <summary>
    /// Starts the three nodes at once and waits until each has run the tutorial's setup. <paramref name="broker"/>: the test's own
    /// RabbitMQ node (its default virtual host); none: a virtual host of the machine's broker for this test alone.
    /// </summary>
    public static async Task<Cluster> StartAsync(TimeSpan petstoreDelay, CancellationToken cancellationToken, PrivateBroker? broker = null)
    {
        var petstore = await RecordingPetstore.StartAsync(petstoreDelay);
        var schema = Services.NewSchema();
        string? virtualHost = null;
        ExampleNode[] nodes = [];
        try
        {
            virtualHost = broker is null ? await Services.TakeVirtualHostAsync() : null;
            var uri = broker?.Uri ?? Services.BrokerUri(virtualHost!);
            nodes = new[] { "a", "b", "c" }.Select(name => ExampleNode.Launch(name, new Dictionary<string, string>
            {
                ["--Storage:Provider"] = "PostgreSql",
                ["--Storage:PostgreSql:ConnectionString"] = Services.ConnectionString,
                ["--Storage:PostgreSql:Schema"] = schema,
                ["--Storage:PostgreSql:EncryptionKey"] = Services.TestKey,
                ["--Queue:Provider"] = "RabbitMQ",
                ["--Queue:RabbitMQ:Uri"] = uri.ToString(),
                ["--Queue:RabbitMQ:RecoveryInterval"] = "00:00:00.500",
                ["--Petstore:BaseUrl"] = petstore.BaseUrlFor(name),
                ["--WebhookFlows:MaxConcurrency"] = "4",
            })).ToArray();
            var cluster = new Cluster(nodes, schema, virtualHost, petstore);
            try
            {
                await Task.WhenAll(nodes.Select(n => n.WaitForTutorialAsync(cancellationToken)));
            }
            catch
            {
                await cluster.DisposeAsync();
                throw;
            }

            return cluster;
        }
        catch when (nodes.Length == 0)
        {
            await petstore.DisposeAsync();
            if (virtualHost is not null)
            {
                Services.DeleteVirtualHost(virtualHost);
            }

            throw;
        }
    }

    /// <summary>The tutorial's flow id, as <paramref name="node"/> lists it.</summary>
    public static async Task<string> TutorialFlowIdAsync(ExampleNode node, CancellationToken cancellationToken)
    {
        var flows = (JArray)(await ApiAsync(node, HttpMethod.Get, "/api/flows", null, HttpStatusCode.OK, cancellationToken))["items"]!;
        return (string)flows.Single(f => (string?)f["name"] == TutorialFlowName)["id"]!;
    }

    /// <summary>A management API call that must answer <paramref name="expected"/>; its JSON body.</summary>
    public static async Task<JObject> ApiAsync(ExampleNode node, HttpMethod method, string path, JObject? body, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path)
        {
            Content = body is null ? null : new StringContent(body.ToString(), Encoding.UTF8, "application/json"),
        };
        using var response = await node.Client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        response.StatusCode.Should().Be(expected, $"{method} {path} on node {node.Name}: {text}");
        return text.StartsWith('{') ? Parse(text) : [];
    }

    /// <summary>
    /// Sends a hook. A request the node could not answer (it was killed: connection refused or reset) comes back with no status
    /// and the error.
    /// </summary>
    public static async Task<Hook> HookAsync(ExampleNode node, string flowId, JObject body, CancellationToken cancellationToken)
    {
        try
        {
            using var content = new StringContent(body.ToString(), Encoding.UTF8, "application/json");
            using var response = await node.Client.PostAsync($"/hook/{flowId}", content, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            var executionId = response.Headers.TryGetValues("x-execution-id", out var ids) ? ids.Single() : null;
            return new Hook(node.Name, (int)response.StatusCode, executionId, text, response.Headers.RetryAfter?.Delta, response.Content.Headers.ContentType?.MediaType, null);
        }
        catch (HttpRequestException e)
        {
            return new Hook(node.Name, null, null, string.Empty, null, null, e.Message);
        }
        catch (TaskCanceledException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new Hook(node.Name, null, null, string.Empty, null, null, "timed out: " + e.Message);
        }
    }

    /// <summary>The tutorial's hook body for a pet of its own name.</summary>
    public static JObject Pet(string name) => new() { ["petname"] = name, ["petstatus"] = "sold" };

    /// <summary>The flow's run log as <paramref name="node"/> lists it (500 newest at most): execution id to status.</summary>
    public static async Task<Dictionary<string, string>> RunLogAsync(ExampleNode node, string flowId, CancellationToken cancellationToken)
    {
        var items = (JArray)(await ApiAsync(node, HttpMethod.Get, $"/api/flows/{flowId}/executions?limit=500", null, HttpStatusCode.OK, cancellationToken))["items"]!;
        return items.ToDictionary(e => (string)e["id"]!, e => (string)e["status"]!, StringComparer.Ordinal);
    }

    /// <summary>
    /// Waits (bounded by <paramref name="within"/>) until <paramref name="node"/>'s run log of the flow has every one of
    /// <paramref name="executionIds"/> and no execution still running; returns that run log.
    /// </summary>
    public static async Task<Dictionary<string, string>> SettledRunLogAsync(
        ExampleNode node, string flowId, IReadOnlyCollection<string> executionIds, TimeSpan within, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var log = await RunLogAsync(node, flowId, cancellationToken);
            var missing = executionIds.Count(id => !log.ContainsKey(id));
            var unfinished = log.Values.Count(s => s is "running" or "rebounding");
            if (missing == 0 && unfinished == 0)
            {
                return log;
            }

            DateTime.UtcNow.Should().BeBefore(deadline,
                $"node {node.Name} should see every accepted execution ended by now ({missing} of {executionIds.Count} missing, {unfinished} still running)");
            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>Waits (bounded by <paramref name="within"/>) until the execution has ended, as <paramref name="node"/> shows it; returns it.</summary>
    public static async Task<JObject> FinishedExecutionAsync(ExampleNode node, string executionId, TimeSpan within, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + within;
        while (true)
        {
            var execution = await ApiAsync(node, HttpMethod.Get, $"/api/executions/{executionId}", null, HttpStatusCode.OK, cancellationToken);
            if (execution["finishedAt"] is { Type: JTokenType.String })
            {
                return execution;
            }

            DateTime.UtcNow.Should().BeBefore(deadline, $"execution {executionId} should have ended by now, as node {node.Name} shows it");
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The run log at rest: per execution its status, delivery count and number of step rows.</summary>
    public async Task<Dictionary<string, (string Status, int Deliveries, long Steps)>> RunLogRowsAsync()
    {
        var rows = await Services.QueryAsync(Schema,
            "SELECT e.id, e.status, e.delivery_count, (SELECT count(*) FROM execution_steps s WHERE s.execution_id = e.id) FROM executions e;");
        return rows.ToDictionary(r => (string)r[0]!, r => ((string)r[1]!, (int)r[2]!, (long)r[3]!), StringComparer.Ordinal);
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var node in Nodes)
        {
            node.Dispose();
        }

        await Petstore.DisposeAsync();
        await Services.DropSchemaAsync(Schema);
        if (_virtualHost is not null)
        {
            Services.DeleteVirtualHost(_virtualHost);
        }
    }

    private static JObject Parse(string text)
    {
        using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(text)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
        return JObject.Load(reader);
    }
}

/// <summary>A hook's outcome: the node, the status (none when the node could not answer), the execution id, the body.</summary>
internal sealed record Hook(string Node, int? Status, string? ExecutionId, string Body, TimeSpan? RetryAfter, string? MediaType, string? Error);
