using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;

namespace Flows.Sdk.PostgreSql.Tests.Support;

/// <summary>The built example (no <c>dotnet run</c>, no rebuild) as a child process on a free port, on a PostgreSQL schema.</summary>
internal sealed class ExampleNode : IDisposable
{
    public const string ManagementKey = "multi-node-test-key";

    private readonly Process _process;
    private readonly StringBuilder _output = new();

    private ExampleNode(Process process, Uri baseAddress)
    {
        _process = process;
        Client = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(10) };
        Client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ManagementKey);
    }

    /// <summary>A client of the node, with the management key.</summary>
    public HttpClient Client { get; }

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

    /// <summary>Starts the example on <paramref name="schema"/> of the run's database, seeding the tutorial.</summary>
    public static ExampleNode Launch(string schema)
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
        foreach (var (key, value) in new Dictionary<string, string>
        {
            ["--urls"] = $"http://127.0.0.1:{port}",
            ["--Storage:Provider"] = "PostgreSql",
            ["--Storage:PostgreSql:ConnectionString"] = TestDatabase.ConnectionString,
            ["--Storage:PostgreSql:Schema"] = schema,
            ["--Storage:PostgreSql:EncryptionKey"] = TestDatabase.TestKey,
            ["--Management:ApiKey"] = ManagementKey,
            ["--Tutorial:Seed"] = "true",
            ["--Logging:LogLevel:Default"] = "Warning",
        })
        {
            start.ArgumentList.Add(key);
            start.ArgumentList.Add(value);
        }

        var process = Process.Start(start)!;
        var node = new ExampleNode(process, new Uri($"http://127.0.0.1:{port}"));
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
                throw new AssertionException($"The example exited with {_process.ExitCode}:\n{Output}");
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        _process.WaitForExit();
        Client.Dispose();
        _process.Dispose();
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
