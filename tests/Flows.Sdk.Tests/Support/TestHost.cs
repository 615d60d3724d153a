using System.Buffers;
using System.IO.Pipelines;
using System.Text;
using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Support;

/// <summary>An engine in a plain service provider, with the test component and a fake clock.</summary>
internal sealed class TestHost : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    public TestHost(Action<WebhookFlowsOptions>? configure = null, Action<IServiceCollection>? moreServices = null)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        Time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        services.AddSingleton<TimeProvider>(Time);
        services.AddSingleton<EngineTestState>();
        services.AddWebhookFlowsCore(configure).AddComponent<TestComponent>().AddComponent<EngineTestComponent>();
        moreServices?.Invoke(services);
        _services = services.BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
    }

    public FakeTimeProvider Time { get; }

    public IServiceProvider Services => _services;

    public IFlowManager Flows => _services.GetRequiredService<IFlowManager>();

    public ICredentialManager Credentials => _services.GetRequiredService<ICredentialManager>();

    public IWebhookReceiver Receiver => _services.GetRequiredService<IWebhookReceiver>();

    public IFlowQueue Queue => _services.GetRequiredService<IFlowQueue>();

    internal FlowRunner Runner => _services.GetRequiredService<FlowRunner>();

    public static StepDefinition Trigger(string? credentialId = null) =>
        new() { Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = credentialId };

    public EngineTestState State => _services.GetRequiredService<EngineTestState>();

    public static StepDefinition Engine(string id, string function, params (string Field, string Expression)[] mapping) =>
        Action(id, function, null, mapping) with { ComponentId = EngineTestComponent.Id };

    /// <summary>Advances the fake clock in steps until <paramref name="task"/> completes (retries and rebounds wait on it).</summary>
    public async Task<T> WithClockAsync<T>(Task<T> task, TimeSpan step)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!task.IsCompleted && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
            Time.Advance(step);
        }

        return await task.WaitAsync(TimeSpan.FromSeconds(5));
    }

    public static StepDefinition Action(string id, string function, string? credentialId, params (string Field, string Expression)[] mapping) =>
        new()
        {
            Id = id,
            ComponentId = TestComponent.Id,
            Function = function,
            CredentialId = credentialId,
            Mapping = mapping.ToDictionary(m => m.Field, m => m.Expression),
        };

    public async Task<string> TestCredentialAsync(string token = "good", string? region = null)
    {
        var fields = new JObject { ["token"] = token };
        if (region is not null)
        {
            fields["region"] = region;
        }

        return (await Credentials.CreateAsync("test", TestComponent.Id, fields)).Id;
    }

    /// <summary>Creates, publishes and starts a flow: webhook trigger then <paramref name="actions"/>.</summary>
    public async Task<Flow> LiveFlowAsync(string? webhookCredentialId, params StepDefinition[] actions)
    {
        var flow = await Flows.CreateAsync(new FlowDraft("test flow", [Trigger(webhookCredentialId), .. actions]));
        await Flows.PublishAsync(flow.Id);
        return await Flows.StartAsync(flow.Id);
    }

    public static WebhookRequest Request(
        string flowId, string method = "POST", string? body = null, string? contentType = "application/json",
        IDictionary<string, string>? headers = null, IDictionary<string, string>? query = null,
        string additionalPath = "", bool sendContentLength = true)
    {
        var pipe = new Pipe();
        if (body is not null)
        {
            pipe.Writer.Write(Encoding.UTF8.GetBytes(body));
        }

        pipe.Writer.Complete();
        return new WebhookRequest
        {
            Method = method,
            FlowId = flowId,
            Url = $"http://127.0.0.1/hook/{flowId}",
            Headers = (headers ?? new Dictionary<string, string>()).ToDictionary(h => h.Key, h => new StringValues(h.Value), StringComparer.OrdinalIgnoreCase),
            Query = (query ?? new Dictionary<string, string>()).ToDictionary(h => h.Key, h => new StringValues(h.Value), StringComparer.Ordinal),
            ContentType = body is null ? null : contentType,
            ContentLength = !sendContentLength ? null : body is null ? 0 : Encoding.UTF8.GetByteCount(body),
            AdditionalPath = additionalPath,
            Body = pipe.Reader,
        };
    }

    /// <summary>
    /// The next message, acknowledged at once: the test runs it itself, and its lease must not expire (and the message come
    /// again) when the test moves the fake clock on.
    /// </summary>
    public async Task<QueuedMessage> DequeueAsync()
    {
        var delivery = await DeliverAsync();
        await delivery.AckAsync();
        return delivery.Message;
    }

    /// <summary>The next delivery of the queue (its lease and delivery count), waited for at most 5 s.</summary>
    public async Task<IFlowDelivery> DeliverAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        return await Queue.DequeueAsync(timeout.Token);
    }

    public ValueTask DisposeAsync() => _services.DisposeAsync();
}
