using System.IO.Pipelines;
using System.Text;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Primitives;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace WorkerHost;

/// <summary>
/// Hook requests from another source than HTTP: JSON lines on standard input, each
/// <c>{"flowId"?, "method"?, "headers"?, "body"}</c>, handed to the transport-neutral <see cref="IWebhookReceiver"/>.
/// Writes JSON lines to standard output: <c>ready</c> (with the demo flow's id), <c>response</c> per request, and
/// <c>execution</c> when the run it started ends. Stops the host at the end of input, once its executions ended.
/// </summary>
internal sealed class StandardInputHookSource(
    IWebhookReceiver receiver,
    IFlowManager flows,
    IExecutionManager executions,
    IHostApplicationLifetime lifetime) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var flowId = await CreateDemoFlowAsync(stoppingToken);
        Write(new JObject { ["event"] = "ready", ["flowId"] = flowId });

        var pending = new List<Task>();
        using var input = new StreamReader(Console.OpenStandardInput(), Encoding.UTF8);
        while (await input.ReadLineAsync(stoppingToken) is { } line)
        {
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            JObject request;
            try
            {
                request = JObject.Parse(line);
            }
            catch (JsonReaderException e)
            {
                Write(new JObject { ["event"] = "error", ["message"] = $"Not a JSON object: {e.Message}" });
                continue;
            }

            var response = await receiver.ReceiveAsync(ToWebhookRequest(request, flowId), stoppingToken);
            var executionId = response.Headers.GetValueOrDefault(WebhookResponse.ExecutionIdHeader);
            Write(new JObject
            {
                ["event"] = "response",
                ["status"] = response.StatusCode,
                ["executionId"] = executionId,
                ["body"] = response.Body ?? (JToken)response.Content,
            });
            if (response.StatusCode == 200 && executionId is not null)
            {
                pending.Add(ReportWhenFinishedAsync(executionId, stoppingToken));
            }
        }

        await Task.WhenAll(pending);
        lifetime.StopApplication();
    }

    private async Task<string> CreateDemoFlowAsync(CancellationToken cancellationToken)
    {
        var flow = await flows.CreateAsync(new FlowDraft("Greet from standard input",
        [
            new StepDefinition { Id = "step_1", ComponentId = "webhook", Function = "receive" },
            new StepDefinition
            {
                Id = "step_2",
                ComponentId = "greeting",
                Function = "greet",
                Mapping = new Dictionary<string, string> { ["name"] = "name" },
            },
        ]), cancellationToken);
        await flows.PublishAsync(flow.Id, cancellationToken);
        await flows.StartAsync(flow.Id, cancellationToken);
        return flow.Id;
    }

    private static WebhookRequest ToWebhookRequest(JObject line, string defaultFlowId)
    {
        var body = line["body"] is { Type: not JTokenType.Null } token ? token.ToString(Formatting.None) : string.Empty;
        var pipe = new Pipe();
        pipe.Writer.WriteAsync(Encoding.UTF8.GetBytes(body)).AsTask().GetAwaiter().GetResult();
        pipe.Writer.Complete();
        var headers = new Dictionary<string, StringValues>(StringComparer.OrdinalIgnoreCase);
        if (line["headers"] is JObject given)
        {
            foreach (var header in given.Properties())
            {
                headers[header.Name] = header.Value.ToString();
            }
        }

        var flowId = (string?)line["flowId"] ?? defaultFlowId;
        return new WebhookRequest
        {
            Method = (string?)line["method"] ?? "POST",
            FlowId = flowId,
            Url = $"stdin:/hook/{flowId}",
            Headers = headers,
            ContentType = body.Length == 0 ? null : headers.TryGetValue("content-type", out var type) ? type.ToString() : "application/json",
            ContentLength = Encoding.UTF8.GetByteCount(body),
            Body = pipe.Reader,
        };
    }

    private async Task ReportWhenFinishedAsync(string executionId, CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested)
        {
            var execution = await executions.GetAsync(executionId, cancellationToken);
            if (execution is { Status: ExecutionStatus.Succeeded or ExecutionStatus.Failed })
            {
                Write(new JObject
                {
                    ["event"] = "execution",
                    ["id"] = execution.Id,
                    ["status"] = execution.Status.ToString().ToLowerInvariant(),
                    ["output"] = execution.Steps[^1].Output,
                    ["error"] = execution.Steps[^1].Error?.Message,
                });
                return;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    private static readonly object WriteGate = new();

    private static void Write(JObject line)
    {
        lock (WriteGate)
        {
            Console.Out.WriteLine(line.ToString(Formatting.None));
            Console.Out.Flush();
        }
    }
}
