using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
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
/// The flow is the tutorial's (webhook, then the Petstore action "Create a Pet With Promise"). The action's only external
/// state is the stand-in Petstore API inside the same process, whose pets are in memory and die with it; creating a pet needs
/// no earlier state, so a message delivered again after the restart succeeds just as well. The test therefore counts
/// executions in the run log (by request id), never pets: a pet created before the kill is gone, and one created twice (the
/// action ran, the process died before the acknowledgement) is indistinguishable from once after the restart.
/// A request whose 200 never reached the client (the process died between the commit and the answer) may still run: that is
/// at-least-once, and allowed; what must never exist is a record left half-written (an execution not succeeded, a queue row
/// never delivered).
/// </remarks>
[NonParallelizable]
public sealed class CrashTests
{
    private const string ManagementKey = "crash-test-key";
    private const int Requests = 400;
    private const int Senders = 8;
    private const int KillAfterAccepted = 150;

    [Test]
    [CancelAfter(60_000)]
    public async Task Every_request_answered_200_before_a_SIGKILL_runs_exactly_once_after_the_restart(CancellationToken cancellationToken)
    {
        using var directory = new TempDirectory();
        var database = directory.File("flows.db");

        using var first = await PetstoreProcess.StartAsync(database, cancellationToken);
        var flowId = await CreateTutorialFlowAsync(first, cancellationToken);

        // Several concurrent senders; once enough requests were accepted, the process is killed mid-stream.
        var accepted = new ConcurrentDictionary<string, int>();
        var refusedOrLost = 0;
        var next = -1;
        var killed = 0;
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

                if (accepted.Count >= KillAfterAccepted && Interlocked.Exchange(ref killed, 1) == 0)
                {
                    first.Kill();
                }
            }
        }, cancellationToken)).ToArray();
        await Task.WhenAll(senders);

        killed.Should().Be(1, "the process was killed while requests were arriving");
        refusedOrLost.Should().BeGreaterThan(0, "requests sent after the kill got no 200");
        var acceptedIds = accepted.Keys.ToHashSet(StringComparer.Ordinal);
        TestContext.Out.WriteLine($"{acceptedIds.Count} requests answered 200 before the kill, {refusedOrLost} not.");

        // Same file, new process: the messages accepted but not finished are delivered again.
        using var second = await PetstoreProcess.StartAsync(database, cancellationToken);
        var state = await WaitUntilDrainedAsync(database, acceptedIds, cancellationToken);
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

    /// <summary>Reads the database file beside the running process (WAL lets another process read) until all work is done.</summary>
    private static async Task<DatabaseState> WaitUntilDrainedAsync(string database, IReadOnlySet<string> acceptedIds, CancellationToken cancellationToken)
    {
        while (true)
        {
            var state = ReadState(database);
            if (state.QueueRows == 0 && acceptedIds.All(state.Executions.ContainsKey) && state.Executions.Values.All(e => e.Status != "Running"))
            {
                return state;
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

    /// <summary>The built example (no <c>dotnet run</c>, no rebuild) as a child process on a free port of 127.0.0.1.</summary>
    private sealed class PetstoreProcess : IDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();
        private readonly HttpClient _api;

        private PetstoreProcess(Process process, Uri baseAddress)
        {
            _process = process;
            BaseAddress = baseAddress;
            _api = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
            _api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ManagementKey);
        }

        public Uri BaseAddress { get; }

        public static async Task<PetstoreProcess> StartAsync(string database, CancellationToken cancellationToken, bool seedTutorial = false)
        {
            var dll = FindExample();
            var port = FreePort();
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = Path.GetDirectoryName(dll)!,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in new[]
            {
                dll, "--urls", $"http://127.0.0.1:{port}", "--Storage:Sqlite:Path", database,
                "--Storage:Sqlite:EncryptionKey", SqliteStoreFactory.TestKey, "--Management:ApiKey", ManagementKey,
                "--Tutorial:Seed", seedTutorial ? "true" : "false", "--Logging:LogLevel:Default", "Warning",
            })
            {
                start.ArgumentList.Add(argument);
            }

            var process = Process.Start(start)!;
            var app = new PetstoreProcess(process, new Uri($"http://127.0.0.1:{port}"));
            process.OutputDataReceived += (_, e) => app.Append(e.Data);
            process.ErrorDataReceived += (_, e) => app.Append(e.Data);
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            await app.WaitUntilReadyAsync(cancellationToken);
            return app;
        }

        public async Task<JObject> ApiAsync(HttpMethod method, string path, string? json, CancellationToken cancellationToken)
        {
            using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : new StringContent(json, Encoding.UTF8, "application/json") };
            using var response = await _api.SendAsync(request, cancellationToken);
            var text = await response.Content.ReadAsStringAsync(cancellationToken);
            response.IsSuccessStatusCode.Should().BeTrue($"{method} {path} answered {(int)response.StatusCode} {text}");
            return text.Length == 0 ? [] : JObject.Parse(text);
        }

        /// <summary>The flows listed by the management API once the tutorial's setup printed that it ran.</summary>
        public async Task<JArray> WaitForFlowsAsync(CancellationToken cancellationToken)
        {
            while (!Output.Contains("Petstore tutorial is running", StringComparison.Ordinal))
            {
                await Task.Delay(100, cancellationToken);
            }

            var flows = JObject.Parse(await _api.GetStringAsync("/api/flows", cancellationToken));
            return (JArray)flows["items"]!;
        }

        /// <summary>SIGKILL: no shutdown code runs, exactly as a crash.</summary>
        public void Kill()
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit();
        }

        public void Dispose()
        {
            if (!_process.HasExited)
            {
                Kill();
            }

            _api.Dispose();
            _process.Dispose();
            TestContext.Out.WriteLine(Output);
        }

        private string Output
        {
            get
            {
                lock (_output)
                {
                    return _output.ToString();
                }
            }
        }

        private void Append(string? line)
        {
            if (line is not null)
            {
                lock (_output)
                {
                    _output.AppendLine(line);
                }
            }
        }

        private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                if (_process.HasExited)
                {
                    throw new AssertionException($"The example exited with {_process.ExitCode}:\n{Output}");
                }

                try
                {
                    using var response = await _api.GetAsync("/api/flows", cancellationToken);
                    if (response.IsSuccessStatusCode)
                    {
                        return;
                    }
                }
                catch (HttpRequestException)
                {
                    // Not listening yet.
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(20))
                {
                    throw new AssertionException($"The example did not answer within 20 s:\n{Output}");
                }

                await Task.Delay(100, cancellationToken);
            }
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }

        /// <summary>The example's own build output, in the configuration this test was built in (the test project builds it).</summary>
        private static string FindExample()
        {
            var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
            var framework = testDirectory.Name;
            var configuration = testDirectory.Parent!.Name;
            var root = testDirectory;
            while (root is not null && !File.Exists(Path.Combine(root.FullName, "Flows.Sdk.sln")))
            {
                root = root.Parent;
            }

            root.Should().NotBeNull("the test runs inside the repository");
            var dll = Path.Combine(root!.FullName, "examples", "PetstoreWebhook", "bin", configuration, framework, "PetstoreWebhook.dll");
            File.Exists(dll).Should().BeTrue($"the example is built at {dll}");
            return dll;
        }
    }
}
