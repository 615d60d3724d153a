using System.Globalization;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>A flow whose messages run away cannot keep another flow's messages waiting, nor keep its workers once stopped.</summary>
public sealed class FairWorkersHttpTests
{
    private LimitsHost? _host;
    private string? _directory;

    [TearDown]
    public async Task TearDown()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }

        if (_directory is not null)
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(_directory, recursive: true);
            }
            catch (IOException)
            {
                // Left to the system's temp cleaning.
            }
        }
    }

    private string? SqlitePath(bool sqlite)
    {
        if (!sqlite)
        {
            return null;
        }

        _directory = Path.Combine(Path.GetTempPath(), "flows-limits-tests", Guid.NewGuid().ToString("N"));
        return Path.Combine(_directory, "flows.db");
    }

    private static DateTimeOffset Time(JToken token) =>
        DateTimeOffset.Parse(token.ToString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);

    private async Task<int> RunningAsync(string flowId, CancellationToken cancellationToken)
    {
        var (_, _, list, _) = await _host!.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/executions?status=running&limit=500", cancellationToken: cancellationToken);
        return ((JArray)list["items"]!).Count;
    }

    [TestCase(false)]
    [TestCase(true)]
    [CancelAfter(90_000)]
    public async Task Another_flows_messages_each_run_within_a_second_while_twenty_runaway_messages_arrive(bool sqlite, CancellationToken cancellationToken)
    {
        // The product's default workers (MaxConcurrency 4 per core, a flow alone at most half of them); the runaway flow's
        // mapping may run 20 s per message, so its messages hold their workers for the whole test.
        _host = await LimitsHost.StartAsync(mapping => mapping.TimeLimit = TimeSpan.FromMilliseconds(500), sqlitePath: SqlitePath(sqlite));
        var runaway = await _host.LiveFlowAsync(LimitsHost.EchoFlow(Runaways.OnLoop(Runaways.Recursion), mappingTimeLimitSeconds: 20));
        var other = await _host.LiveFlowAsync(LimitsHost.EchoFlow("petname"));

        await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _host.HookAsync(runaway, """{"petname": "loop"}""")));
        while (await RunningAsync(runaway, cancellationToken) == 0)
        {
            await Task.Delay(20, cancellationToken);
        }

        var latencies = new List<TimeSpan>();
        for (var i = 0; i < 10; i++)
        {
            var execution = await _host.FinishedAsync(await _host.HookAsync(other, $$"""{"petname": "pet {{i}}"}"""), cancellationToken);
            execution["status"]!.ToString().Should().Be("succeeded");
            latencies.Add(Time(execution["finishedAt"]!) - Time(execution["steps"]![0]!["startedAt"]!));
        }

        var running = await RunningAsync(runaway, cancellationToken);
        (await _host.SendAsync(HttpMethod.Post, $"/api/flows/{runaway}/stop", cancellationToken: cancellationToken)).Status.Should().Be(200);

        TestContext.Out.WriteLine($"accepted -> finished: {string.Join(", ", latencies.Select(l => $"{l.TotalMilliseconds:0} ms"))}; runaway executions running meanwhile: {running}");
        latencies.Should().OnlyContain(l => l < TimeSpan.FromSeconds(1), "the other flow's messages run at once on the free workers");
        running.Should().BeGreaterThan(0, "the runaway flow was still holding workers");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Stopping_the_runaway_flow_fails_its_running_and_queued_executions_promptly_and_frees_its_workers(CancellationToken cancellationToken)
    {
        _host = await LimitsHost.StartAsync(mapping => mapping.TimeLimit = TimeSpan.FromSeconds(120),
            engine => { engine.MaxConcurrency = 2; engine.MaxConcurrencyPerFlow = 2; });
        var runaway = await _host.LiveFlowAsync(LimitsHost.EchoFlow(Runaways.OnLoop(Runaways.Recursion)));
        var other = await _host.LiveFlowAsync(LimitsHost.EchoFlow("petname"));
        // Two runaway messages take both workers; four more wait in the queue behind them.
        var looping = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            looping.Add(await _host.HookAsync(runaway, """{"petname": "loop"}"""));
        }

        while (await RunningAsync(runaway, cancellationToken) < 2)
        {
            await Task.Delay(20, cancellationToken);
        }

        var waiting = await _host.HookAsync(other, """{"petname": "Gromit"}""");
        (await _host.StatusAsync(waiting, cancellationToken)).Should().BeNull("both workers are held: the other flow's message waits");
        var stoppedAt = DateTimeOffset.UtcNow;
        (await _host.SendAsync(HttpMethod.Post, $"/api/flows/{runaway}/stop", cancellationToken: cancellationToken)).Status.Should().Be(200);

        foreach (var id in looping)
        {
            var stopped = await _host.FinishedAsync(id, cancellationToken);
            stopped["status"]!.ToString().Should().Be("failed");
            stopped["steps"]!.Last!["error"]!["type"]!.ToString().Should().Be("FlowStopped");
            stopped["steps"]!.Last!["error"]!["message"]!.ToString().Should().Be("The flow was stopped while this execution ran.");
            (Time(stopped["finishedAt"]!) - stoppedAt).Should().BeLessThan(TimeSpan.FromSeconds(2),
                "the stop cancels the running evaluations at once, and the queued messages of the stopped flow do not run their steps");
        }

        var ran = await _host.FinishedAsync(waiting, cancellationToken);
        ran["status"]!.ToString().Should().Be("succeeded");
        _host.Errors.Events.Should().BeEmpty();
    }
}
