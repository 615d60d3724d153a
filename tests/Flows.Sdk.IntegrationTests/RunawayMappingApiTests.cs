using System.Diagnostics;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>Runaway mappings over HTTP: preview, publish and run time answer within their limits, with the code.</summary>
public sealed class RunawayMappingApiTests
{
    private LimitsHost? _host;

    [TearDown]
    public async Task TearDown()
    {
        if (_host is not null)
        {
            await _host.DisposeAsync();
            _host = null;
        }
    }

    private async Task<LimitsHost> StartAsync(TimeSpan? timeLimit, int? maxConcurrency = null, string? sqlitePath = null)
    {
        _host = await LimitsHost.StartAsync(
            timeLimit is { } limit ? mapping => mapping.TimeLimit = limit : null,
            maxConcurrency is { } workers ? engine => { engine.MaxConcurrency = workers; engine.MaxConcurrencyPerFlow = workers; } : null,
            sqlitePath);
        return _host;
    }

    [TestCaseSource(typeof(Runaways), nameof(Runaways.All))]
    [CancelAfter(30_000)]
    public async Task A_runaway_preview_answers_400_with_its_code_within_the_limit(string runaway, string codes, CancellationToken cancellationToken)
    {
        var host = await StartAsync(TimeSpan.FromMilliseconds(500));

        var (status, contentType, problem, elapsed) = await host.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            new JObject { ["expression"] = runaway, ["input"] = new JObject() }, cancellationToken);

        status.Should().Be(400);
        contentType.Should().Be("application/problem+json");
        problem["code"]!.ToString().Should().MatchRegex($"^({codes})$");
        problem["message"]!.ToString().Should().NotBeEmpty();
        problem["position"]!.Type.Should().Be(JTokenType.Integer);
        (elapsed < TimeSpan.FromSeconds(10)).Should().BeTrue($"the preview answers within a bound of its 0.5 s limit; it took {elapsed}");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_whole_mapping_preview_shares_the_limit_across_its_fields(CancellationToken cancellationToken)
    {
        var host = await StartAsync(TimeSpan.FromSeconds(1));
        var mapping = new JObject();
        for (var i = 1; i <= 8; i++)
        {
            mapping[$"f{i}"] = Runaways.Recursion;
        }

        var (status, _, problem, elapsed) = await host.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            new JObject { ["mapping"] = mapping, ["input"] = new JObject() }, cancellationToken);

        status.Should().Be(400);
        problem["code"]!.ToString().Should().Be("U1001");
        problem["field"]!.ToString().Should().Be("mapping.f1");
        (elapsed < TimeSpan.FromSeconds(5)).Should().BeTrue($"eight runaway fields share the host's 1 s; the preview took {elapsed}");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_client_that_goes_away_cancels_the_preview_at_once(CancellationToken cancellationToken)
    {
        long ticks = 0;
        long lastTick = 0;
        _host = await LimitsHost.StartAsync(mapping =>
        {
            mapping.TimeLimit = TimeSpan.FromSeconds(120);
            mapping.RegisterFunction("tick", _ =>
            {
                Interlocked.Increment(ref ticks);
                Volatile.Write(ref lastTick, Stopwatch.GetTimestamp());
                return true;
            });
        });
        using var client = new CancellationTokenSource();
        var preview = _host.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            new JObject { ["expression"] = "($f := function($n){ $tick() ? $f($n+1) : 0 }; $f(0))", ["input"] = new JObject() }, client.Token);
        while (Volatile.Read(ref ticks) == 0)
        {
            await Task.Delay(10, cancellationToken);
        }

        await client.CancelAsync();
        var gone = Stopwatch.GetTimestamp();
        await preview.ContinueWith(_ => { }, CancellationToken.None, TaskContinuationOptions.None, TaskScheduler.Default);
        while (Stopwatch.GetElapsedTime(Volatile.Read(ref lastTick)) < TimeSpan.FromMilliseconds(300))
        {
            await Task.Delay(20, cancellationToken);
        }

        var stoppedAfter = Stopwatch.GetElapsedTime(gone) - TimeSpan.FromMilliseconds(300);
        (stoppedAfter < TimeSpan.FromSeconds(2)).Should().BeTrue($"the evaluation stops when the client goes away, not after its 120 s; it ran {stoppedAfter} more");
        _host.Errors.Events.Should().BeEmpty("an aborted preview is not an error");
    }

    [TestCase("case005")]
    [TestCase("case006")]
    [CancelAfter(60_000)]
    public async Task The_suites_tail_recursion_runaways_give_U1001_with_the_default_settings(string testCase, CancellationToken cancellationToken)
    {
        var suite = Path.Combine(RepositoryPaths.Root, "..", "shared", "conformance", "jsonata");
        if (!Directory.Exists(suite))
        {
            suite = Path.Combine(RepositoryPaths.Root, "..", "..", "shared", "conformance", "jsonata");
        }

        var file = Path.Combine(suite, "groups", "tail-recursion", testCase + ".json");
        File.Exists(file).Should().BeTrue($"the JSONata suite is expected at {file}");
        var definition = JObject.Parse(await File.ReadAllTextAsync(file, cancellationToken));
        var host = await StartAsync(timeLimit: null);

        var (status, _, problem, elapsed) = await host.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            new JObject { ["expression"] = definition["expr"]!.ToString(), ["input"] = new JObject() }, cancellationToken);

        definition["code"]!.ToString().Should().Be("U1001");
        status.Should().Be(400);
        problem["code"]!.ToString().Should().Be("U1001");
        (elapsed < TimeSpan.FromSeconds(30)).Should().BeTrue($"the default 5 s limit applies; it took {elapsed}");
    }

    [TestCaseSource(typeof(Runaways), nameof(Runaways.All))]
    [CancelAfter(30_000)]
    public async Task Publish_refuses_a_runaway_mapping_with_422_naming_step_field_and_code(string runaway, string codes, CancellationToken cancellationToken)
    {
        var host = await StartAsync(TimeSpan.FromMilliseconds(500));
        var created = await host.SendAsync(HttpMethod.Post, "/api/flows",
            LimitsHost.EchoFlow(Runaways.OnLoop(runaway), sample: """{"petname": "loop"}"""), cancellationToken);
        var id = created.Body["id"]!.ToString();

        var (status, contentType, problem, elapsed) = await host.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish", cancellationToken: cancellationToken);

        status.Should().Be(422);
        contentType.Should().Be("application/problem+json");
        problem["errors"]!.Should().ContainSingle(e => (string?)e["stepId"] == "step_2" && (string?)e["field"] == "mapping.value")
            .Which["message"]!.ToString().Should().MatchRegex($"\\(({codes})\\)");
        (elapsed < TimeSpan.FromSeconds(10)).Should().BeTrue($"publish answers within a bound; it took {elapsed}");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task Publish_with_many_runaway_fields_answers_within_the_shared_limit(CancellationToken cancellationToken)
    {
        var host = await StartAsync(TimeSpan.FromSeconds(1));
        var draft = LimitsHost.EchoFlow("petname", sample: """{"petname": "loop"}""");
        var mapping = (JObject)draft["steps"]![1]!["mapping"]!;
        for (var i = 1; i <= 8; i++)
        {
            mapping[$"f{i}"] = Runaways.OnLoop(Runaways.MutualRecursion);
        }

        var id = (await host.SendAsync(HttpMethod.Post, "/api/flows", draft, cancellationToken)).Body["id"]!.ToString();
        var (status, _, problem, elapsed) = await host.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish", cancellationToken: cancellationToken);

        status.Should().Be(422);
        (elapsed < TimeSpan.FromSeconds(5)).Should().BeTrue($"eight runaway fields share the host's 1 s; publish took {elapsed}");
        problem["errors"]!.Should().Contain(e => (string?)e["stepId"] == "step_2" && ((string?)e["message"])!.Contains("(U1001)"));
        problem["errors"]!.Should().Contain(e => ((string?)e["message"])!.Contains("could not be checked"));
    }

    [TestCaseSource(typeof(Runaways), nameof(Runaways.All))]
    [CancelAfter(30_000)]
    public async Task A_runaway_mapping_at_run_time_fails_its_execution_and_the_worker_runs_the_next_message(
        string runaway, string codes, CancellationToken cancellationToken)
    {
        var host = await StartAsync(TimeSpan.FromMilliseconds(500), maxConcurrency: 1);
        var flow = await host.LiveFlowAsync(LimitsHost.EchoFlow(Runaways.OnLoop(runaway)));

        var looping = await host.HookAsync(flow, """{"petname": "loop"}""");
        var next = await host.HookAsync(flow, """{"petname": "Gromit"}""");
        var failed = await host.FinishedAsync(looping, cancellationToken);
        var succeeded = await host.FinishedAsync(next, cancellationToken);

        failed["status"]!.ToString().Should().Be("failed");
        var step = failed["steps"]!.Should().ContainSingle(s => (string?)s["stepId"] == "step_2", "no retry, no rebound").Subject;
        step["error"]!["type"]!.ToString().Should().Be("MappingError");
        step["error"]!["message"]!.ToString().Should().MatchRegex($"\\(({codes})\\)");
        succeeded["status"]!.ToString().Should().Be("succeeded");
        succeeded["steps"]![1]!["output"]!["value"]!.ToString().Should().Be("Gromit");
    }

    [TestCase("0")]
    [TestCase("300.5")]
    [TestCase("\"ten\"")]
    public async Task A_step_time_limit_out_of_range_or_not_a_number_is_a_400_naming_the_step(string value)
    {
        var host = await StartAsync(TimeSpan.FromMilliseconds(500));
        var draft = LimitsHost.EchoFlow("petname");
        draft["steps"]![1]!["mappingTimeLimitSeconds"] = JToken.Parse(value);

        var (status, contentType, problem, _) = await host.SendAsync(HttpMethod.Post, "/api/flows", draft);

        status.Should().Be(400);
        contentType.Should().Be("application/problem+json");
        problem["errors"]!.Should().ContainSingle(e => (string?)e["field"] == "steps[1].mappingTimeLimitSeconds");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task The_step_time_limit_is_kept_by_the_SQLite_store_across_a_restart(CancellationToken cancellationToken)
    {
        var directory = Path.Combine(Path.GetTempPath(), "flows-limits-tests", Guid.NewGuid().ToString("N"));
        var path = Path.Combine(directory, "flows.db");
        try
        {
            var first = await StartAsync(TimeSpan.FromMilliseconds(500), sqlitePath: path);
            var flow = await first.LiveFlowAsync(LimitsHost.EchoFlow("petname", mappingTimeLimitSeconds: 2.5));
            await first.DisposeAsync();
            _host = null;

            var second = await StartAsync(TimeSpan.FromMilliseconds(500), sqlitePath: path);
            var (_, _, stored, _) = await second.SendAsync(HttpMethod.Get, $"/api/flows/{flow}", cancellationToken: cancellationToken);
            var (_, _, version, _) = await second.SendAsync(HttpMethod.Get, $"/api/flows/{flow}/versions/1", cancellationToken: cancellationToken);

            stored["draft"]!["steps"]![1]!["mappingTimeLimitSeconds"]!.Value<double>().Should().Be(2.5);
            version["definition"]!["steps"]![1]!["mappingTimeLimitSeconds"]!.Value<double>().Should().Be(2.5);
        }
        finally
        {
            if (_host is not null)
            {
                await _host.DisposeAsync();
                _host = null;
            }

            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            try
            {
                Directory.Delete(directory, recursive: true);
            }
            catch (IOException)
            {
                // Left to the system's temp cleaning.
            }
        }
    }
}
