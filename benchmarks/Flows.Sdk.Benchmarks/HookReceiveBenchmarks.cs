using System.IO.Pipelines;
using System.Text;
using BenchmarkDotNet.Attributes;
using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Primitives;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Benchmarks;

/// <summary>
/// The hook's hot path in process: find the live flow, authenticate (none / basic), read and parse a 1 KiB JSON body from a
/// <see cref="PipeReader"/>, build the message, queue it. The queue is drained after each call so it never fills.
/// </summary>
[MemoryDiagnoser]
public class HookReceiveBenchmarks
{
    private ServiceProvider _services = null!;
    private IWebhookReceiver _receiver = null!;
    private IFlowQueue _queue = null!;
    private string _noAuthFlow = null!;
    private string _basicFlow = null!;
    private byte[] _body = null!;
    private readonly Dictionary<string, StringValues> _headers = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Type"] = "application/json",
        ["User-Agent"] = "benchmark",
        ["Host"] = "127.0.0.1",
    };

    private readonly Dictionary<string, StringValues> _basicHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        ["Content-Type"] = "application/json",
        ["Authorization"] = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:password")),
    };

    [GlobalSetup]
    public async Task SetupAsync()
    {
        var services = new ServiceCollection();
        services.AddLogging(logging => logging.SetMinimumLevel(LogLevel.Warning));
        services.AddWebhookFlowsCore();
        _services = services.BuildServiceProvider();
        _receiver = _services.GetRequiredService<IWebhookReceiver>();
        _queue = _services.GetRequiredService<IFlowQueue>();
        var flows = _services.GetRequiredService<IFlowManager>();
        var credentials = _services.GetRequiredService<ICredentialManager>();
        _noAuthFlow = await LiveAsync(flows, null);
        var basic = await credentials.CreateAsync("basic", "webhook", JObject.Parse("""{"type": "basic", "username": "user", "password": "password"}"""));
        _basicFlow = await LiveAsync(flows, basic.Id);

        // A 1 KiB JSON object, like a typical webhook event.
        var body = new StringBuilder("{\"event\":\"pet.created\",\"petname\":\"Gromit\",\"petstatus\":\"sold\",\"tags\":[");
        for (var i = 0; body.Length < 980; i++)
        {
            body.Append(i == 0 ? string.Empty : ",").Append("{\"id\":").Append(i).Append(",\"name\":\"tag-").Append(i).Append("\"}");
        }

        body.Append("]}");
        _body = Encoding.UTF8.GetBytes(body.ToString().PadRight(1024));
    }

    private static async Task<string> LiveAsync(IFlowManager flows, string? credentialId)
    {
        var flow = await flows.CreateAsync(new FlowDraft("bench", [new StepDefinition { Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = credentialId }]));
        await flows.PublishAsync(flow.Id);
        await flows.StartAsync(flow.Id);
        return flow.Id;
    }

    [GlobalCleanup]
    public void Cleanup() => _services.Dispose();

    [Benchmark(Baseline = true, Description = "Receive 1 KiB JSON, no auth")]
    public Task<int> NoAuth() => ReceiveAsync(_noAuthFlow, _headers);

    [Benchmark(Description = "Receive 1 KiB JSON, Basic Auth")]
    public Task<int> BasicAuth() => ReceiveAsync(_basicFlow, _basicHeaders);

    private async Task<int> ReceiveAsync(string flowId, Dictionary<string, StringValues> headers)
    {
        var reader = PipeReader.Create(new System.Buffers.ReadOnlySequence<byte>(_body));
        var response = await _receiver.ReceiveAsync(new WebhookRequest
        {
            Method = "POST",
            FlowId = flowId,
            Url = "http://127.0.0.1/hook/" + flowId,
            Headers = headers,
            ContentType = "application/json",
            ContentLength = _body.Length,
            Body = reader,
        });
        await (await _queue.DequeueAsync()).AckAsync();
        return response.StatusCode;
    }
}
