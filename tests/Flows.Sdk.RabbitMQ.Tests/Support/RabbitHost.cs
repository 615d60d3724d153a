using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.RabbitMQ.Tests.Support;

/// <summary>
/// A node as a user writes it: real Kestrel on 127.0.0.1, <c>AddWebhookFlows().UseRabbitMq(...)</c>, the hook, the anonymous
/// management API and <c>/healthz</c>. Nodes given the same <see cref="RabbitNode.MemoryStores"/> share flows and run log, as
/// nodes on one database do; a node without workers only accepts (so another node must run its messages).
/// </summary>
internal sealed class RabbitHost : IAsyncDisposable
{
    private RabbitHost(WebApplication app, string address)
    {
        App = app;
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(30) };
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    public static async Task<RabbitHost> StartAsync(
        string prefix, RabbitNode.MemoryStores? stores = null, bool workers = true, int? port = null, Action<RabbitMqOptions>? configure = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddWebhookFlows(options => options.MaxConcurrency = 4).UseRabbitMq(options =>
        {
            options.Uri = TestBroker.Uri(port ?? TestBroker.Port);
            options.Prefix = prefix;
            options.RecoveryInterval = TimeSpan.FromMilliseconds(500);
            options.PublishTimeout = TimeSpan.FromSeconds(2);
            configure?.Invoke(options);
        });
        if (stores is not null)
        {
            builder.Services.Replace(ServiceDescriptor.Singleton(stores.Flows));
            builder.Services.Replace(ServiceDescriptor.Singleton(stores.Credentials));
            builder.Services.Replace(ServiceDescriptor.Singleton(stores.Executions));
            builder.Services.Replace(ServiceDescriptor.Singleton(stores.Snapshots));
        }

        if (!workers)
        {
            var worker = builder.Services.Single(d => d.ServiceType == typeof(IHostedService) && d.ImplementationType?.Name == "FlowWorkerHostedService");
            builder.Services.Remove(worker);
        }

        builder.Services.AddHealthChecks().AddFlowsRabbitMq();
        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.MapWebhookFlows();
        app.MapWebhookFlowsApi().AllowAnonymous();
        app.MapHealthChecks("/healthz");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new RabbitHost(app, address);
    }

    /// <summary>Sends a JSON request; the status and the body (empty object when none).</summary>
    public async Task<(int Status, JObject Body)> SendAsync(HttpMethod method, string path, string? json = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = json is null ? null : new StringContent(json, System.Text.Encoding.UTF8, "application/json") };
        using var response = await Client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        return ((int)response.StatusCode, text.Length == 0 || text[0] != '{' ? [] : Parse(text));
    }

    /// <summary>Parses a response body, keeping times as the strings the API wrote.</summary>
    private static JObject Parse(string text)
    {
        using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(text)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
        return JObject.Load(reader);
    }

    /// <summary>Creates, publishes and starts a flow from its draft JSON; returns its id.</summary>
    public async Task<string> LiveFlowAsync(string draft)
    {
        var created = await SendAsync(HttpMethod.Post, "/api/flows", draft);
        created.Status.Should().Be(201, created.Body.ToString());
        var id = created.Body["id"]!.ToString();
        (await SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish")).Status.Should().Be(200);
        (await SendAsync(HttpMethod.Post, $"/api/flows/{id}/start")).Status.Should().Be(200);
        return id;
    }

    /// <summary>A flow with the webhook trigger only.</summary>
    public const string TriggerOnly = """{"name": "trigger only", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}""";

    /// <summary>Waits (bounded by <paramref name="cancellationToken"/>) until the execution has ended; returns its status.</summary>
    public async Task<string> FinishedStatusAsync(string executionId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (status, body) = await SendAsync(HttpMethod.Get, $"/api/executions/{executionId}", cancellationToken: cancellationToken);
            if (status == 200 && body["finishedAt"] is { Type: JTokenType.String })
            {
                return body["status"]!.ToString();
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await App.StopAsync(TimeSpan.FromSeconds(10));
        await App.DisposeAsync();
    }
}
