using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Flows.Sdk.ScaleOut.Tests.Support;

/// <summary>
/// A RabbitMQ node of one test's own, from the Debian package (<c>rabbitmq-server</c> as a child process), so that the test can
/// kill and restart a broker without touching the machine's (which other test projects use at the same moment): its own node
/// name (<c>flows-&lt;random&gt;@localhost</c>), AMQP port on 127.0.0.1 and distribution port (free ones), and its data, logs,
/// config and plugins file (none enabled: no management listener) in a folder of its own that survives a restart and is
/// deleted at the end. Debian's wrapper runs the node as the <c>rabbitmq</c> user (so the folder is open to it) with that user's
/// Erlang cookie; the tests must run as root or as <c>rabbitmq</c>.
/// </summary>
internal sealed class PrivateBroker : IAsyncDisposable
{
    private readonly string _folder;
    private readonly Dictionary<string, string> _environment;
    private readonly StringBuilder _output = new();
    private Process? _process;

    private PrivateBroker(string folder, string nodeName, int port)
    {
        _folder = folder;
        NodeName = nodeName;
        Port = port;
        _environment = new Dictionary<string, string>
        {
            ["RABBITMQ_NODENAME"] = nodeName,
            ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
            ["RABBITMQ_NODE_PORT"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_DIST_PORT"] = FreePort().ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["RABBITMQ_MNESIA_BASE"] = Path.Combine(folder, "mnesia"),
            ["RABBITMQ_LOG_BASE"] = Path.Combine(folder, "log"),
            ["RABBITMQ_CONFIG_FILE"] = Path.Combine(folder, "rabbitmq.conf"),
            ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(folder, "enabled_plugins"),
        };
    }

    public string NodeName { get; }

    /// <summary>The node's AMQP port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The default virtual host of the node, as guest (the whole node is the test's).</summary>
    public Uri Uri => new($"amqp://guest:guest@127.0.0.1:{Port}/");

    /// <summary>What the node printed (its banner and any crash report).</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>Makes the folder and starts the node (without waiting for it: see <see cref="WaitUntilUpAsync"/>).</summary>
    public static PrivateBroker Start()
    {
        var folder = Path.Combine(Path.GetTempPath(), "flows-rabbit-" + Guid.NewGuid().ToString("N")[..10]);
        if (OperatingSystem.IsWindows())
        {
            throw new PlatformNotSupportedException("The test's own RabbitMQ node is started from Debian's package: Linux only.");
        }

        Directory.CreateDirectory(folder);
        File.SetUnixFileMode(folder, (UnixFileMode)0b111_111_111); // the rabbitmq user writes its data here
        File.WriteAllText(Path.Combine(folder, "enabled_plugins"), "[].\n");
        File.WriteAllText(Path.Combine(folder, "rabbitmq.conf"), "log.console.level = warning\nlog.file.level = warning\n");
        foreach (var file in Directory.GetFiles(folder))
        {
            File.SetUnixFileMode(file, (UnixFileMode)0b110_100_100);
        }

        var broker = new PrivateBroker(folder, "flows-" + Guid.NewGuid().ToString("N")[..10] + "@localhost", FreePort());
        broker.Launch();
        return broker;
    }

    /// <summary>Waits (bounded) until guest can open an AMQP connection to the node.</summary>
    public async Task WaitUntilUpAsync(TimeSpan within)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process is { HasExited: true } process)
            {
                Assert.Fail($"The test's RabbitMQ node {NodeName} exited with {process.ExitCode}:\n{Output}");
            }

            if (await Services.TryConnectAsync(Uri, TimeSpan.FromSeconds(1)) is not { } error)
            {
                return;
            }

            if (deadline.Elapsed > within)
            {
                Assert.Fail($"The test's RabbitMQ node {NodeName} did not accept a connection within {within.TotalSeconds} s ({error}):\n{Output}");
            }
        }
    }

    /// <summary>Kills the node (SIGKILL of its process tree: no shutdown, as a crash) and waits until it is gone; its folder stays.</summary>
    public void Kill()
    {
        if (_process is { } process)
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
            process.Dispose();
            _process = null;
        }
    }

    /// <summary>Starts the node again on the same folder, name and ports (it recovers its queues and messages from there).</summary>
    public void Restart()
    {
        Kill();
        Launch();
    }

    public ValueTask DisposeAsync()
    {
        Kill();
        TestContext.Out.WriteLine($"--- RabbitMQ node {NodeName} ---");
        TestContext.Out.WriteLine(Output);
        try
        {
            Directory.Delete(_folder, recursive: true);
        }
        catch (IOException)
        {
            // a file still held by a process that is going away: the temp folder is cleaned later
        }

        return default;
    }

    private void Launch()
    {
        var start = new ProcessStartInfo("rabbitmq-server")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        foreach (var (key, value) in _environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("rabbitmq-server did not start.");
        process.OutputDataReceived += (_, e) => Append(e.Data);
        process.ErrorDataReceived += (_, e) => Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        _process = process;
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

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
