using System.Diagnostics;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>The engine in a generic host without ASP.NET Core: hook requests as JSON lines on standard input.</summary>
public sealed class WorkerHostTests
{
    [Test]
    public async Task A_message_from_standard_input_runs_the_flow_end_to_end()
    {
        using var process = Process.Start(new ProcessStartInfo("dotnet", [RepositoryPaths.ExampleAssembly("WorkerHost")])
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        })!;
        process.ErrorDataReceived += (_, _) => { };
        process.BeginErrorReadLine();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));

        try
        {
            var ready = await ReadEventAsync(process, "ready", timeout.Token);
            await process.StandardInput.WriteLineAsync("""{"body": {"name": "Gromit"}}""");
            await process.StandardInput.WriteLineAsync("""{"body": "not an object"}""");
            await process.StandardInput.WriteLineAsync("""{"flowId": "nope", "body": {"name": "x"}}""");
            process.StandardInput.Close();

            var accepted = await ReadEventAsync(process, "response", timeout.Token);
            var refused = await ReadEventAsync(process, "response", timeout.Token);
            var unknown = await ReadEventAsync(process, "response", timeout.Token);
            var execution = await ReadEventAsync(process, "execution", timeout.Token);
            await process.WaitForExitAsync(timeout.Token);

            ready["flowId"]!.ToString().Should().NotBeEmpty();
            accepted["status"]!.Value<int>().Should().Be(200);
            refused["status"]!.Value<int>().Should().Be(400);
            unknown["status"]!.Value<int>().Should().Be(404);
            execution["id"]!.ToString().Should().Be(accepted["executionId"]!.ToString());
            execution["status"]!.ToString().Should().Be("succeeded");
            execution["output"]!["greeting"]!.ToString().Should().Be("Hello, Gromit!");
            process.ExitCode.Should().Be(0, "the host stops by itself at the end of input");
        }
        finally
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
    }

    private static async Task<JObject> ReadEventAsync(Process process, string name, CancellationToken cancellationToken)
    {
        while (await process.StandardOutput.ReadLineAsync(cancellationToken) is { } line)
        {
            if (line.StartsWith('{') && JObject.Parse(line) is var json && (string?)json["event"] == name)
            {
                return json;
            }
        }

        throw new InvalidOperationException($"The worker host ended before writing a '{name}' event.");
    }
}
