using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests.Support;

/// <summary>The built example (no <c>dotnet run</c>, no rebuild) as a child process on a free port of 127.0.0.1, on a SQLite file.</summary>
internal sealed class PetstoreProcess : IDisposable
{
    public const string ManagementKey = "crash-test-key";

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

    public int Id => _process.Id;

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Everything the process wrote to its standard output and error so far.</summary>
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

    /// <summary>Starts the example and waits until its management API answers.</summary>
    /// <param name="database">The SQLite file (<c>Storage:Sqlite:Path</c>).</param>
    /// <param name="cancellationToken">Ends the wait.</param>
    /// <param name="seedTutorial">Whether the tutorial's flow is set up.</param>
    /// <param name="settings">More settings, as <c>--key value</c> pairs.</param>
    public static async Task<PetstoreProcess> StartAsync(string database, CancellationToken cancellationToken, bool seedTutorial = false, IReadOnlyDictionary<string, string>? settings = null)
    {
        var app = Launch(database, seedTutorial, settings);
        try
        {
            await app.WaitUntilReadyAsync(cancellationToken);
        }
        catch
        {
            app.Dispose();
            throw;
        }

        return app;
    }

    /// <summary>Starts the example without waiting for it (for a start that is expected to fail).</summary>
    public static PetstoreProcess Launch(string database, bool seedTutorial = false, IReadOnlyDictionary<string, string>? settings = null)
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
        var arguments = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["--urls"] = $"http://127.0.0.1:{port}",
            ["--Storage:Sqlite:Path"] = database,
            ["--Storage:Sqlite:EncryptionKey"] = SqliteStoreFactory.TestKey,
            ["--Management:ApiKey"] = ManagementKey,
            ["--Tutorial:Seed"] = seedTutorial ? "true" : "false",
            ["--Logging:LogLevel:Default"] = "Warning",
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
        {
            arguments["--" + key] = value;
        }

        start.ArgumentList.Add(dll);
        foreach (var (key, value) in arguments)
        {
            start.ArgumentList.Add(key);
            start.ArgumentList.Add(value);
        }

        var process = Process.Start(start)!;
        var app = new PetstoreProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => app.Append(e.Data);
        process.ErrorDataReceived += (_, e) => app.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
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

    /// <summary>Waits for the process to exit by itself, at most <paramref name="timeout"/>; false when it is still running.</summary>
    public async Task<bool> WaitForExitAsync(TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
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

        _process.WaitForExit();
        _api.Dispose();
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

    private async Task WaitUntilReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            if (_process.HasExited)
            {
                _process.WaitForExit();
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
