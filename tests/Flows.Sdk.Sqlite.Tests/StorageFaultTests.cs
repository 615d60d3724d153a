using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>
/// A store that cannot write answers 503 with Retry-After (never 200 for an uncommitted message, never 500), logs the outage
/// once, and accepts again by itself: over real HTTP (Kestrel on 127.0.0.1), with faults injected into the commits, and, where
/// the machine allows mounting a 4 MiB tmpfs, with a disk that really fills up.
/// </summary>
[NonParallelizable]
public sealed class StorageFaultTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [TestCase(13, "5", TestName = "Disk full (SQLITE_FULL): 503 with Retry-After, logged once, accepted again after")]
    [TestCase(10, "5", TestName = "I/O error (SQLITE_IOERR): 503 with Retry-After, logged once, accepted again after")]
    [TestCase(5, "1", TestName = "Locked beyond the timeout (SQLITE_BUSY): 503 with Retry-After, logged once, accepted again after")]
    [CancelAfter(60_000)]
    public async Task Failing_commits_answer_503_and_writes_recover_by_themselves(int sqliteCode, string retryAfter, CancellationToken cancellationToken)
    {
        var path = _directory.File("flows.db");
        await using var app = await App.StartAsync(path);
        var flowId = await app.LiveFlowAsync(cancellationToken);
        var before = await app.HookAsync(flowId, "before", cancellationToken);
        before.Status.Should().Be(HttpStatusCode.OK);
        await app.WaitForSucceededAsync([before.RequestId!], cancellationToken);
        await app.Database.FlushAsync();

        app.Database.InjectCommitFailures(int.MaxValue, sqliteCode);
        var refused = await Task.WhenAll(Enumerable.Range(0, 20).Select(i => app.HookAsync(flowId, $"during-{i}", cancellationToken)));
        using var api = await app.Client.PostAsync("/api/flows", Json("""{"name": "during", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}"""), cancellationToken);
        var apiBody = await api.Content.ReadAsStringAsync(cancellationToken);
        app.Database.IsUnavailable.Should().BeTrue();
        app.Database.InjectCommitFailures(0, sqliteCode);
        var after = await app.HookAsync(flowId, "after", cancellationToken);

        refused.Should().AllSatisfy(r =>
        {
            r.Status.Should().Be(HttpStatusCode.ServiceUnavailable, r.Body);
            r.RetryAfter.Should().Be(retryAfter);
            r.ContentType.Should().StartWith("application/problem+json");
            r.Body.Should().Contain("The storage is unavailable");
        });
        api.StatusCode.Should().Be(HttpStatusCode.ServiceUnavailable, apiBody);
        api.Headers.RetryAfter!.ToString().Should().Be(retryAfter);
        api.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        after.Status.Should().Be(HttpStatusCode.OK, "writes succeed again by themselves: the writer survived the failures");
        await app.WaitForSucceededAsync([after.RequestId!], cancellationToken);

        app.Database.IsUnavailable.Should().BeFalse();
        ReadRequestIds(path).Should().BeEquivalentTo([before.RequestId, after.RequestId], "a message answered 503 was not kept and never runs");
        app.Events.Count(e => e == 5006).Should().Be(1, "the outage is logged once, not once per request");
        app.Events.Count(e => e == 5008).Should().Be(1, "the recovery is logged");
        app.Events.Should().NotContain(5002, "a storage fault is no commit error with a stack trace per group");
        app.Events.Should().NotContain(2002, "refusals for storage are not logged once per request");
    }

    [Test]
    [CancelAfter(90_000)]
    public async Task A_real_4_MiB_filesystem_that_fills_up_answers_503_keeps_every_200_and_accepts_again_when_space_comes_back(CancellationToken cancellationToken)
    {
        using var mount = TinyFilesystem.TryMount(_directory.File("tiny"));
        if (mount is null)
        {
            Assert.Ignore("Mounting a 4 MiB tmpfs needs root and a mount-capable sandbox; the fault-injection tests cover the same paths.");
        }

        var path = Path.Combine(mount!.Path, "flows.db");
        var filler = Path.Combine(mount.Path, "filler");
        File.WriteAllBytes(filler, new byte[1536 * 1024]); // Deleted once the disk is full: the room the store needs to recover.
        var accepted = new List<string>();
        string? flowId;
        await using (var app = await App.StartAsync(path))
        {
            flowId = await app.LiveFlowAsync(cancellationToken);
            var payload = new string('x', 48 * 1024);
            HookResult? refused = null;
            for (var i = 0; i < 400 && refused is null; i++)
            {
                var result = await app.HookAsync(flowId, payload + i, cancellationToken);
                result.Status.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable], result.Body);
                if (result.Status == HttpStatusCode.OK)
                {
                    accepted.Add(result.RequestId!);
                }
                else
                {
                    refused = result;
                }
            }

            refused.Should().NotBeNull("the 4 MiB filesystem fills up");
            refused!.RetryAfter.Should().NotBeNullOrEmpty();
            TestContext.Out.WriteLine($"{accepted.Count} hooks accepted before the disk was full.");

            File.Delete(filler);
            var deadline = Stopwatch.StartNew();
            HookResult again;
            do
            {
                again = await app.HookAsync(flowId, "small", cancellationToken);
                again.Status.Should().BeOneOf([HttpStatusCode.OK, HttpStatusCode.ServiceUnavailable], again.Body);
                if (again.Status != HttpStatusCode.OK)
                {
                    deadline.Elapsed.Should().BeLessThan(TimeSpan.FromSeconds(20), "writes must succeed again once space is back");
                    await Task.Delay(100, cancellationToken);
                }
            }
            while (again.Status != HttpStatusCode.OK);

            accepted.Add(again.RequestId!);

            // A real disk can flap at its edge (a checkpoint frees a page, the next write takes it): each outage is logged
            // once, and there are few of them, not one per refused request.
            app.Events.Count(e => e == 5006).Should().BeInRange(1, 3);
            app.Events.Should().NotContain(2002);
        }

        // Every 200 is on disk: after a restart each has run, recorded once.
        await using var restarted = await App.StartAsync(path);
        await restarted.WaitForSucceededAsync(accepted, cancellationToken);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static List<string> ReadRequestIds(string path)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Mode = SqliteOpenMode.ReadOnly, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = "SELECT request_id FROM executions;";
        using var reader = command.ExecuteReader();
        var ids = new List<string>();
        while (reader.Read())
        {
            ids.Add(reader.GetString(0));
        }

        return ids;
    }

    private sealed record HookResult(HttpStatusCode Status, string? RetryAfter, string ContentType, string Body, string? RequestId);

    /// <summary>The SQLite host with this class's helpers.</summary>
    private sealed class App : SqliteHookApp
    {
        private App(Started started)
            : base(started)
        {
        }

        public static async Task<App> StartAsync(string path) => new(await StartHostAsync(path));

        public async Task<string> LiveFlowAsync(CancellationToken cancellationToken)
        {
            using var created = await Client.PostAsync("/api/flows", Json("""{"name": "faults", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}"""), cancellationToken);
            created.StatusCode.Should().Be(HttpStatusCode.Created);
            var id = (string)JObject.Parse(await created.Content.ReadAsStringAsync(cancellationToken))["id"]!;
            using var published = await Client.PostAsync($"/api/flows/{id}/publish", null, cancellationToken);
            published.StatusCode.Should().Be(HttpStatusCode.OK);
            using var started = await Client.PostAsync($"/api/flows/{id}/start", null, cancellationToken);
            started.StatusCode.Should().Be(HttpStatusCode.OK);
            return id;
        }

        public async Task<HookResult> HookAsync(string flowId, string value, CancellationToken cancellationToken)
        {
            using var response = await Client.PostAsync($"/hook/{flowId}", Json(new JObject { ["value"] = value }.ToString()), cancellationToken);
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            return new HookResult(
                response.StatusCode,
                response.Headers.RetryAfter?.ToString(),
                response.Content.Headers.ContentType?.ToString() ?? string.Empty,
                body,
                response.StatusCode == HttpStatusCode.OK ? (string?)JObject.Parse(body)["requestId"] : null);
        }

        /// <summary>Waits (at most 20 s) until every request id has a succeeded execution in the file.</summary>
        public async Task WaitForSucceededAsync(IReadOnlyCollection<string> requestIds, CancellationToken cancellationToken)
        {
            var deadline = Stopwatch.StartNew();
            while (true)
            {
                await Database.FlushAsync();
                var succeeded = await Database.ReadAsync(context =>
                {
                    var command = context.Command("SELECT request_id FROM executions WHERE status = 'Succeeded';");
                    using var reader = command.ExecuteReader();
                    var ids = new HashSet<string>(StringComparer.Ordinal);
                    while (reader.Read())
                    {
                        ids.Add(reader.GetString(0));
                    }

                    return ids;
                });
                var missing = requestIds.Count(id => !succeeded.Contains(id));
                if (missing == 0)
                {
                    return;
                }

                if (deadline.Elapsed > TimeSpan.FromSeconds(20))
                {
                    var state = await Database.ReadAsync(context =>
                    {
                        var command = context.Command("SELECT (SELECT COUNT(*) FROM queue) || ' queue rows; executions: ' || COALESCE((SELECT group_concat(request_id || '=' || status, ', ') FROM executions), '');");
                        return (string)command.ExecuteScalar()!;
                    });
                    Assert.Fail($"{missing} of {requestIds.Count} accepted requests have no succeeded execution after 20 s " +
                        $"(missing: {string.Join(", ", requestIds.Where(id => !succeeded.Contains(id)))}; {state}).");
                }

                await Task.Delay(50, cancellationToken);
            }
        }
    }

    /// <summary>A 4 MiB tmpfs, when this process may mount one (root in a sandbox that allows it); unmounted at the end.</summary>
    private sealed class TinyFilesystem : IDisposable
    {
        private TinyFilesystem(string path) => Path = path;

        public string Path { get; }

        public static TinyFilesystem? TryMount(string path)
        {
            if (!OperatingSystem.IsLinux() || Environment.UserName != "root")
            {
                return null;
            }

            Directory.CreateDirectory(path);
            return Run("mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", path) ? new TinyFilesystem(path) : null;
        }

        public void Dispose()
        {
            SqliteConnection.ClearAllPools();
            Run("umount", Path);
        }

        private static bool Run(string command, params string[] arguments)
        {
            try
            {
                var start = new ProcessStartInfo(command) { RedirectStandardError = true, RedirectStandardOutput = true, UseShellExecute = false };
                foreach (var argument in arguments)
                {
                    start.ArgumentList.Add(argument);
                }

                using var process = Process.Start(start)!;
                if (!process.WaitForExit(10_000))
                {
                    process.Kill();
                    return false;
                }

                return process.ExitCode == 0;
            }
            catch (System.ComponentModel.Win32Exception)
            {
                return false;
            }
        }
    }
}
