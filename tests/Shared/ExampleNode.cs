using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Flows.Sdk.Testing;

/// <summary>
/// The built example (no <c>dotnet run</c>, no rebuild) as a child process on a free port of 127.0.0.1, with the settings a test
/// gives (command-line <c>--Key value</c> pairs). Shared, as a linked source file, by the test projects that run example nodes.
/// </summary>
internal sealed class ExampleNode : IDisposable
{
    public const string ManagementKey = "multi-node-test-key";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExampleNode(Process process, string name, Uri baseAddress)
    {
        _process = process;
        Name = name;
        BaseAddress = baseAddress;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ManagementKey);
    }

    /// <summary>The name the test gave the node (for messages).</summary>
    public string Name { get; }

    /// <summary>The node's address, <c>http://127.0.0.1:port</c>.</summary>
    public Uri BaseAddress { get; }

    /// <summary>A client of the node, with the management key.</summary>
    public HttpClient Client { get; }

    /// <summary>Whether the process has ended (killed, or it stopped by itself).</summary>
    public bool HasExited => _process.HasExited;

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

    /// <summary>
    /// Starts the example with <paramref name="settings"/> (keys with their leading <c>--</c>); the node's <c>--urls</c>, the
    /// management key and a warning-level log are set here. The example seeds its tutorial unless the settings say otherwise.
    /// </summary>
    public static ExampleNode Launch(string name, IEnumerable<KeyValuePair<string, string>> settings)
    {
        var testDirectory = new DirectoryInfo(TestContext.CurrentContext.TestDirectory);
        var root = testDirectory;
        while (root is not null && !File.Exists(Path.Combine(root.FullName, "Flows.Sdk.sln")))
        {
            root = root.Parent;
        }

        root.Should().NotBeNull("the test runs inside the repository");
        var dll = Path.Combine(root!.FullName, "examples", "PetstoreWebhook", "bin", testDirectory.Parent!.Name, testDirectory.Name, "PetstoreWebhook.dll");
        File.Exists(dll).Should().BeTrue($"the example is built next to the tests ({dll})");
        var port = FreePort();
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add(dll);
        var all = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase)
        {
            ["--urls"] = $"http://127.0.0.1:{port}",
            ["--Management:ApiKey"] = ManagementKey,
            ["--Tutorial:Seed"] = "true",
            ["--Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        foreach (var (key, value) in all)
        {
            start.ArgumentList.Add(key);
            start.ArgumentList.Add(value);
        }

        var process = Process.Start(start)!;
        var node = new ExampleNode(process, name, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => node.Append(e.Data);
        process.ErrorDataReceived += (_, e) => node.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return node;
    }

    /// <summary>Waits until the tutorial's setup printed that it ran (the node is serving by then).</summary>
    public async Task WaitForTutorialAsync(CancellationToken cancellationToken)
    {
        while (!Output.Contains("Petstore tutorial is running", StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                throw new AssertionException($"The example {Name} exited with {_process.ExitCode}:\n{Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    /// <summary>SIGKILL on Linux (<see cref="Process.Kill()"/>): no shutdown of any kind, as a crash; waits until it is gone.</summary>
    public void Kill()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
    }

    public void Dispose()
    {
        Kill();
        Client.Dispose();
        _process.Dispose();
        TestContext.Out.WriteLine($"--- {Name} ---");
        TestContext.Out.WriteLine(Output);
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
