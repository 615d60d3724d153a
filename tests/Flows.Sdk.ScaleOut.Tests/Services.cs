using System.Collections.Concurrent;
using System.Diagnostics;
using Flows.Sdk.ScaleOut.Tests.Support;
using Npgsql;
using RabbitMQ.Client;

namespace Flows.Sdk.ScaleOut.Tests;

/// <summary>
/// The shared services of the run, each test with places of its own on them:
/// <list type="bullet">
/// <item>PostgreSQL (<c>FLOWS_TEST_POSTGRES</c>, default <c>Host=127.0.0.1;Port=5432;Username=postgres;Password=flows</c>): the
/// run's database <c>flows_scaleout_&lt;random&gt;</c>, dropped at the end; each test's nodes make a schema of their own in it
/// (<see cref="NewSchema"/>), which the test drops when it ends.</item>
/// <item>RabbitMQ (the machine's broker on 127.0.0.1:5672, guest): each test takes a virtual host of its own
/// (<see cref="TakeVirtualHostAsync"/>) and deletes it when it ends (<see cref="DeleteVirtualHost"/>). <c>rabbitmqctl</c> takes
/// seconds per call, so the hosts are made together at the start (one <c>import_definitions</c>: hosts and guest's permissions)
/// and each deletion runs while the next test goes on; the run waits for them at the end.</item>
/// <item>A RabbitMQ node of its own for the test that restarts its broker (<see cref="TakePrivateBroker"/>): a first boot takes
/// many seconds, so it starts booting with the run, while the other tests go on.</item>
/// </list>
/// A service that cannot be used fails the run, with the reason: nothing is skipped.
/// </summary>
[SetUpFixture]
public sealed class Services
{
    public const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=postgres;Password=flows";

    /// <summary>A base64 AES-256 key for the tests (never a real one).</summary>
    public const string TestKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    /// <summary>The machine's broker.</summary>
    public const int BrokerPort = 5672;

    /// <summary>How many virtual hosts the run makes at its start: one per test on the machine's broker.</summary>
    private const int VirtualHostsMadeAtStart = 5;

    private static readonly ConcurrentQueue<string> VirtualHosts = new();
    private static readonly ConcurrentBag<Task> Deletions = [];
    private static string? _connectionString;
    private static PrivateBroker? _privateBroker;

    /// <summary>The connection string of the run's database.</summary>
    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("The test database was not created.");

    private static string Server => Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") is { Length: > 0 } server ? server : DefaultServer;

    private static string Name { get; } = "flows_scaleout_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>A fresh schema name: each test starts on an empty schema of its own (the first node to start migrates it).</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    /// <summary>The AMQP URI of a virtual host of the machine's broker.</summary>
    public static Uri BrokerUri(string virtualHost, int port = BrokerPort) => new($"amqp://guest:guest@127.0.0.1:{port}/{Uri.EscapeDataString(virtualHost)}");

    [OneTimeSetUp]
    public async Task CreateAsync()
    {
        _privateBroker = PrivateBroker.Start();
        var makingHosts = MakeVirtualHostsAsync(VirtualHostsMadeAtStart);
        var admin = new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false, Timeout = 10 };
        try
        {
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {Name};", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Assert.Fail($"PostgreSQL at '{admin.Host}:{admin.Port}' (FLOWS_TEST_POSTGRES) cannot be used to create the test database: {e.Message}. " +
                "Start it (pg_ctlcluster 15 main start) or point FLOWS_TEST_POSTGRES at a server; the tests are not skipped.");
        }

        _connectionString = new NpgsqlConnectionStringBuilder(Server) { Database = Name }.ConnectionString;
        foreach (var host in await makingHosts)
        {
            VirtualHosts.Enqueue(host);
        }
    }

    [OneTimeTearDown]
    public async Task DropAsync()
    {
        while (VirtualHosts.TryDequeue(out var unused))
        {
            DeleteVirtualHost(unused);
        }

        if (_privateBroker is not null)
        {
            await _privateBroker.DisposeAsync();
            _privateBroker = null;
        }

        var failures = new List<string>();
        try
        {
            await Task.WhenAll(Deletions);
        }
        catch (Exception e)
        {
            failures.Add(e.Message);
        }

        if (_connectionString is not null)
        {
            NpgsqlConnection.ClearAllPools();
            var admin = new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false, Timeout = 10 };
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE);", connection);
            await command.ExecuteNonQueryAsync();
        }

        failures.Should().BeEmpty("every virtual host of the run is deleted");
    }

    /// <summary>A virtual host of the machine's broker for one test alone (guest may use it); the test deletes it when it ends.</summary>
    public static async Task<string> TakeVirtualHostAsync()
    {
        return VirtualHosts.TryDequeue(out var host) ? host : (await MakeVirtualHostsAsync(1))[0];
    }

    /// <summary>A RabbitMQ node for one test alone (booting since the run started, or started now); the test disposes of it.</summary>
    internal static PrivateBroker TakePrivateBroker()
    {
        var broker = _privateBroker ?? PrivateBroker.Start();
        _privateBroker = null;
        return broker;
    }

    /// <summary>Deletes a test's virtual host (with everything in it); the run waits for it before it ends.</summary>
    public static void DeleteVirtualHost(string virtualHost) => Deletions.Add(RabbitMqCtlAsync("delete_vhost", virtualHost));

    /// <summary>Drops a test's schema (its nodes are gone by then).</summary>
    public static async Task DropSchemaAsync(string schema)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP SCHEMA IF EXISTS {schema} CASCADE;", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="sql"/> on a test's schema (to look at what is at rest).</summary>
    public static async Task<List<object?[]>> QueryAsync(string schema, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }

    /// <summary>Makes <paramref name="count"/> virtual hosts with guest's permissions in one <c>rabbitmqctl import_definitions</c>.</summary>
    private static async Task<string[]> MakeVirtualHostsAsync(int count)
    {
        var hosts = Enumerable.Range(0, count).Select(_ => "flows_scaleout_" + Guid.NewGuid().ToString("N")[..12]).ToArray();
        var definitions = new Newtonsoft.Json.Linq.JObject
        {
            ["vhosts"] = new Newtonsoft.Json.Linq.JArray(hosts.Select(h => new Newtonsoft.Json.Linq.JObject { ["name"] = h })),
            ["permissions"] = new Newtonsoft.Json.Linq.JArray(hosts.Select(h => new Newtonsoft.Json.Linq.JObject
            {
                ["user"] = "guest", ["vhost"] = h, ["configure"] = ".*", ["write"] = ".*", ["read"] = ".*",
            })),
        };

        // rabbitmqctl runs as the broker's user (Debian's wrapper): the file must be readable by it.
        var file = Path.Combine(Path.GetTempPath(), $"flows-vhosts-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, definitions.ToString());
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(file, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
        }

        try
        {
            await RabbitMqCtlAsync("import_definitions", file);
        }
        finally
        {
            File.Delete(file);
        }

        // The import finishes in the background: each host is ready once guest can open a connection to it.
        await Task.WhenAll(hosts.Select(h => WaitUntilConnectableAsync(BrokerUri(h), TimeSpan.FromSeconds(30))));
        return hosts;
    }

    /// <summary>Waits (bounded) until an AMQP connection to <paramref name="uri"/> opens; fails the test when none did in time.</summary>
    public static async Task WaitUntilConnectableAsync(Uri uri, TimeSpan within)
    {
        if (await TryConnectAsync(uri, within) is { } error)
        {
            Assert.Fail($"RabbitMQ at {uri.Host}:{uri.Port}{uri.AbsolutePath} did not accept a connection within {within.TotalSeconds} s: {error}");
        }
    }

    /// <summary>Tries (bounded) to open an AMQP connection to <paramref name="uri"/>: null once one opened, else the last error.</summary>
    public static async Task<string?> TryConnectAsync(Uri uri, TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        var factory = new ConnectionFactory { Uri = uri, RequestedConnectionTimeout = TimeSpan.FromSeconds(5) };
        while (true)
        {
            try
            {
                await using var connection = await factory.CreateConnectionAsync();
                return null;
            }
            catch (Exception e) when (e is RabbitMQ.Client.Exceptions.BrokerUnreachableException or IOException)
            {
                if (deadline.Elapsed > within)
                {
                    return e.Message;
                }
            }

            await Task.Delay(100);
        }
    }

    /// <summary>Runs <c>rabbitmqctl</c> (60 s at most) and fails with its output when it fails.</summary>
    public static async Task<string> RabbitMqCtlAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("rabbitmqctl") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmqctl did not start.");
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
        var error = process.StandardError.ReadToEndAsync(timeout.Token);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"rabbitmqctl {string.Join(' ', arguments)} did not end within 60 s.");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"rabbitmqctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error} {await output}. Is RabbitMQ running? (rabbitmq-server -detached)");
        }

        return await output;
    }
}
