using System.Diagnostics;
using RabbitMQ.Client;

namespace Flows.Sdk.RabbitMQ.Tests;

/// <summary>
/// The broker of this test run: a virtual host of its own (<c>flows_test_&lt;random&gt;</c>, made with <c>rabbitmqctl</c>, with
/// permissions for guest), deleted when the run ends. A broker that cannot be reached fails the run; nothing is skipped.
/// </summary>
[SetUpFixture]
public sealed class TestBroker
{
    public const string Host = "127.0.0.1";
    public const int Port = 5672;

    private static string? _vhost;

    /// <summary>The run's virtual host.</summary>
    public static string VirtualHost => _vhost ?? throw new InvalidOperationException("The test broker is not set up.");

    /// <summary>The broker URI of the run's virtual host, through <paramref name="port"/> (a proxy's) when given.</summary>
    public static Uri Uri(int port = Port) => new($"amqp://guest:guest@{Host}:{port}/{VirtualHost}");

    /// <summary>A prefix of its own for one test, so tests share the virtual host but no queue.</summary>
    public static string NewPrefix() => "t" + Guid.NewGuid().ToString("N")[..10];

    [OneTimeSetUp]
    public async Task CreateVirtualHost()
    {
        var vhost = "flows_test_" + Guid.NewGuid().ToString("N")[..12];
        await RabbitMqCtlAsync("add_vhost", vhost);
        await RabbitMqCtlAsync("set_permissions", "-p", vhost, "guest", ".*", ".*", ".*");
        _vhost = vhost;

        // The client reaches it (fails the run, with the reason, when it does not).
        var factory = new ConnectionFactory { Uri = Uri() };
        await using var connection = await factory.CreateConnectionAsync();
        connection.IsOpen.Should().BeTrue();
    }

    [OneTimeTearDown]
    public async Task DeleteVirtualHost()
    {
        if (_vhost is { } vhost)
        {
            await RabbitMqCtlAsync("delete_vhost", vhost);
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
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            Assert.Fail($"rabbitmqctl {string.Join(' ', arguments)} failed ({process.ExitCode}): {await error} {await output}. Is RabbitMQ running? (rabbitmq-server -detached)");
        }

        return await output;
    }
}
