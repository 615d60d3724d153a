using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>
/// "200 means it will run" survives a crash: the example app, on a SQLite file, is killed with SIGKILL while hook requests
/// pour in, started again on the same file, and every request that got a 200 must end as exactly one succeeded execution.
/// </summary>
/// <remarks>
/// The flow is the tutorial's (webhook, then the Petstore action "Create a Pet With Promise"); the action's API is a stand-in in
/// the test process (<see cref="GatedPetstore"/>) that lets the first pets through and then holds every call, so the kill finds
/// accepted messages provably unfinished (the test asserts it), and the restarted process must deliver them again. Creating a
/// pet needs no earlier state, so a message delivered again succeeds just as well. The test counts executions in the run log
/// (by request id), never pets: a pet created twice (the action ran, the process died before the acknowledgement) is allowed.
/// A request whose 200 never reached the client (the process died between the commit and the answer) may still run: that is
/// at-least-once, and allowed; what must never exist is a record left half-written (an execution not succeeded, a queue row
/// never delivered).
/// </remarks>
[NonParallelizable]
public sealed class CrashTests
{
    private const int Requests = 400;
    private const int Senders = 8;
    private const int KillAfterAccepted = 150;
    private const int PetsBeforeTheGate = 40;

    [Test]
    [CancelAfter(90_000)]
    public async Task Every_request_answered_200_before_a_SIGKILL_runs_exactly_once_after_the_restart(CancellationToken cancellationToken)
    {
        using var directory = new TempDirectory();
        var database = directory.File("flows.db");

        // The action's API lives in the test process: it lets the first pets through, then holds every call until released,
        // so the process is killed while accepted messages are provably unfinished (running or waiting).
        await using var petstore = await GatedPetstore.StartAsync(PetsBeforeTheGate);
        var settings = new Dictionary<string, string> { ["Petstore:BaseUrl"] = petstore.BaseUrl };
        using var first = await PetstoreProcess.StartAsync(database, cancellationToken, settings: settings);
        var flowId = await CreateTutorialFlowAsync(first, cancellationToken);

        // Several concurrent senders; once enough requests were accepted and actions are held at the gate, the process is killed.
        var accepted = new ConcurrentDictionary<string, int>();
        var refusedOrLost = 0;
        var next = -1;
        var killed = 0;
        var heldAtKill = 0;
        var senders = Enumerable.Range(0, Senders).Select(_ => Task.Run(async () =>
        {
            using var client = new HttpClient { BaseAddress = first.BaseAddress, Timeout = TimeSpan.FromSeconds(10) };
            int i;
            while ((i = Interlocked.Increment(ref next)) < Requests)
            {
                try
                {
                    using var content = new StringContent($$"""{"petname": "pet-{{i}}", "petstatus": "available"}""", Encoding.UTF8, "application/json");
                    using var response = await client.PostAsync($"/hook/{flowId}", content, cancellationToken);
                    if (response.StatusCode == HttpStatusCode.OK)
                    {
                        var requestId = (string)JObject.Parse(await response.Content.ReadAsStringAsync(cancellationToken))["requestId"]!;
                        accepted[requestId] = i;
                    }
                    else
                    {
                        Interlocked.Increment(ref refusedOrLost);
                    }
                }
                catch (HttpRequestException)
                {
                    Interlocked.Increment(ref refusedOrLost);
                }
                catch (TaskCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    Interlocked.Increment(ref refusedOrLost);
                }

                if (accepted.Count >= KillAfterAccepted && petstore.Held > 0 && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    heldAtKill = petstore.Held;
                    first.Kill();
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(senders);

        killed.Should().Be(1, "the process was killed while requests were arriving and actions were held at the gate");
        refusedOrLost.Should().BeGreaterThan(0, "requests sent after the kill got no 200");
        var acceptedIds = accepted.Keys.ToHashSet(StringComparer.Ordinal);

        // What the killed process left: accepted messages not finished (their rows are still in the queue).
        var atKill = ReadState(database);
        var finishedAtKill = atKill.Executions.Values.Count(e => e.Status == "Succeeded");
        TestContext.Out.WriteLine($"{acceptedIds.Count} requests answered 200 before the kill, {refusedOrLost} not; at the kill {heldAtKill} actions were " +
            $"held at the gate, {atKill.QueueRows} accepted messages were unfinished (queue rows) and {finishedAtKill} executions had succeeded.");
        atKill.QueueRows.Should().BeGreaterThan(0, "the kill must find accepted messages unfinished, or the test proves nothing");

        // Same file, new process; then the gate opens: the messages accepted but not finished must be delivered again.
        using var second = await PetstoreProcess.StartAsync(database, cancellationToken, settings: settings);
        petstore.Open();
        var state = await WaitUntilDrainedAsync(database, acceptedIds, TimeSpan.FromSeconds(30), cancellationToken);
        TestContext.Out.WriteLine($"After the restart: {state.Executions.Count} executions, {state.Executions.Values.Count(e => e.DeliveryCount > 1)} of them delivered more than once.");

        foreach (var requestId in acceptedIds)
        {
            state.Executions.Should().ContainKey(requestId, "a request answered 200 must run");
            state.Executions[requestId].Count.Should().Be(1, $"request {requestId} must be recorded once");
            state.Executions[requestId].Status.Should().Be("Succeeded");
        }

        state.Executions.Values.Should().AllSatisfy(e => e.Status.Should().Be("Succeeded", "no execution is left half-written"));
        state.Executions.Values.Should().AllSatisfy(e => e.Count.Should().Be(1));
        state.QueueRows.Should().Be(0, "every accepted message was delivered and acknowledged");
        state.Executions.Keys.Except(acceptedIds).Count().Should().BeLessThanOrEqualTo(Senders,
            "only requests in flight at the kill may have been committed without their 200 reaching the client");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task The_tutorial_flow_is_seeded_once_and_kept_across_restarts(CancellationToken cancellationToken)
    {
        using var directory = new TempDirectory();
        var database = directory.File("flows.db");

        for (var start = 0; start < 2; start++)
        {
            using var app = await PetstoreProcess.StartAsync(database, cancellationToken, seedTutorial: true);
            var flows = await app.WaitForFlowsAsync(cancellationToken);
            flows.Should().ContainSingle("the tutorial's flow is created at the first start and found at the next").Which["state"]!.Value<string>().Should().Be("running");
        }
    }

    private static async Task<string> CreateTutorialFlowAsync(PetstoreProcess app, CancellationToken cancellationToken)
    {
        var hookCredential = await app.ApiAsync(HttpMethod.Post, "/api/credentials", """{"name": "No Auth", "componentId": "webhook", "fields": {"type": "none"}}""", cancellationToken);
        var petCredential = await app.ApiAsync(HttpMethod.Post, "/api/credentials", """{"name": "Petstore key", "componentId": "petstore", "fields": {"apiKey": "secret"}}""", cancellationToken);
        var flow = await app.ApiAsync(HttpMethod.Post, "/api/flows", $$$"""
            {"name": "Crash test", "steps": [
              {"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{{hookCredential["id"]}}}",
               "sample": {"format": "json", "data": "{\"petname\": \"Gromit\", \"petstatus\": \"sold\"}"}},
              {"id": "step_2", "componentId": "petstore", "function": "createPetWithPromise", "credentialId": "{{{petCredential["id"]}}}",
               "mapping": {"name": "petname", "status": "petstatus"}}
            ]}
            """, cancellationToken);
        var flowId = (string)flow["id"]!;
        await app.ApiAsync(HttpMethod.Post, $"/api/flows/{flowId}/publish", null, cancellationToken);
        await app.ApiAsync(HttpMethod.Post, $"/api/flows/{flowId}/start", null, cancellationToken);
        return flowId;
    }

    /// <summary>
    /// Reads the database file beside the running process (WAL lets another process read) until all work is done, at most
    /// <paramref name="timeout"/>: then it fails saying what is missing (a restart that does not deliver again fails here, fast).
    /// </summary>
    private static async Task<DatabaseState> WaitUntilDrainedAsync(string database, IReadOnlySet<string> acceptedIds, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            var state = ReadState(database);
            var missing = acceptedIds.Count(id => !state.Executions.TryGetValue(id, out var e) || e.Status != "Succeeded");
            if (state.QueueRows == 0 && missing == 0 && state.Executions.Values.All(e => e.Status != "Running"))
            {
                return state;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"{timeout.TotalSeconds:0} s after the restart, {missing} of the {acceptedIds.Count} requests answered 200 have no succeeded " +
                    $"execution, {state.Executions.Values.Count(e => e.Status == "Running")} executions are still 'Running' and {state.QueueRows} " +
                    "accepted messages are still in the queue: the restarted process did not deliver the messages the killed one left.");
            }

            await Task.Delay(200, cancellationToken);
        }
    }

    private static DatabaseState ReadState(string database)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = database, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT COUNT(*) FROM queue;";
        var queueRows = (long)command.ExecuteScalar()!;
        command.CommandText = "SELECT request_id, COUNT(*), MIN(status), MAX(delivery_count) FROM executions GROUP BY request_id;";
        var executions = new Dictionary<string, ExecutionRow>(StringComparer.Ordinal);
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                executions[reader.GetString(0)] = new ExecutionRow(reader.GetInt32(1), reader.GetString(2), reader.GetInt32(3));
            }
        }

        return new DatabaseState(queueRows, executions);
    }

    private sealed record ExecutionRow(int Count, string Status, int DeliveryCount);

    private sealed record DatabaseState(long QueueRows, Dictionary<string, ExecutionRow> Executions);
}
