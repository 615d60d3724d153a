using System.Collections.Concurrent;
using System.Diagnostics;
using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Mapping.Jsonata;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>
/// A host written like the quick start (real Kestrel on 127.0.0.1, anonymous API) with the mapping limits and engine settings
/// a test needs, in memory or on a SQLite file, and the error-level log events it wrote.
/// </summary>
internal sealed class LimitsHost : IAsyncDisposable
{
    private LimitsHost(WebApplication app, string address, ErrorLog errors)
    {
        App = app;
        Errors = errors;
        Client = new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(60) };
    }

    public WebApplication App { get; }

    public HttpClient Client { get; }

    /// <summary>Log events at level Error or above.</summary>
    public ErrorLog Errors { get; }

    public static async Task<LimitsHost> StartAsync(
        Action<JsonataOptions>? mapping = null, Action<WebhookFlowsOptions>? engine = null, string? sqlitePath = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var errors = new ErrorLog();
        builder.Logging.AddProvider(errors);
        var flows = builder.Services.AddWebhookFlows(engine).AddComponent<EchoComponent>();
        if (mapping is not null)
        {
            builder.Services.Configure(mapping);
        }

        if (sqlitePath is not null)
        {
            flows.UseSqlite(options =>
            {
                options.Path = sqlitePath;
                options.EncryptionKey = Convert.ToBase64String(new byte[32]);
            });
        }

        builder.Services.AddAuthorization();
        var app = builder.Build();
        app.MapWebhookFlows();
        app.MapWebhookFlowsApi().AllowAnonymous();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new LimitsHost(app, address, errors);
    }

    /// <summary>Sends a JSON request; the status, the body (empty object when none) and how long the answer took.</summary>
    public async Task<(int Status, string ContentType, JObject Body, TimeSpan Elapsed)> SendAsync(
        HttpMethod method, string path, JToken? body = null, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : PetstoreAppFixture.Json(body) };
        var started = Stopwatch.GetTimestamp();
        using var response = await Client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        var elapsed = Stopwatch.GetElapsedTime(started);
        return ((int)response.StatusCode, response.Content.Headers.ContentType?.MediaType ?? string.Empty,
            text.Length == 0 ? [] : Parse(text), elapsed);
    }

    /// <summary>Parses a response body, keeping times as the strings the API wrote.</summary>
    private static JObject Parse(string text)
    {
        using var reader = new Newtonsoft.Json.JsonTextReader(new StringReader(text)) { DateParseHandling = Newtonsoft.Json.DateParseHandling.None };
        return JObject.Load(reader);
    }

    /// <summary>Creates a flow from <paramref name="draft"/>, publishes and starts it; returns its id.</summary>
    public async Task<string> LiveFlowAsync(JObject draft)
    {
        var created = await SendAsync(HttpMethod.Post, "/api/flows", draft);
        created.Status.Should().Be(201, created.Body.ToString());
        var id = created.Body["id"]!.ToString();
        var published = await SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        published.Status.Should().Be(200, published.Body.ToString());
        (await SendAsync(HttpMethod.Post, $"/api/flows/{id}/start")).Status.Should().Be(200);
        return id;
    }

    /// <summary>A flow: the webhook trigger, then <c>echo</c> with <paramref name="valueMapping"/> as its input <c>value</c>.</summary>
    public static JObject EchoFlow(string valueMapping, double? mappingTimeLimitSeconds = null, string? sample = null)
    {
        var trigger = new JObject { ["id"] = "step_1", ["componentId"] = "webhook", ["function"] = "receive" };
        if (sample is not null)
        {
            trigger["sample"] = new JObject { ["format"] = "json", ["data"] = sample };
        }

        var echo = new JObject
        {
            ["id"] = "step_2",
            ["componentId"] = EchoComponent.Id,
            ["function"] = "echo",
            ["mapping"] = new JObject { ["value"] = valueMapping },
        };
        if (mappingTimeLimitSeconds is { } limit)
        {
            echo["mappingTimeLimitSeconds"] = limit;
        }

        return new JObject { ["name"] = "limits", ["steps"] = new JArray(trigger, echo) };
    }

    /// <summary>Posts <paramref name="body"/> to the flow's hook; returns the execution id.</summary>
    public async Task<string> HookAsync(string flowId, string body)
    {
        using var response = await Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json(body));
        ((int)response.StatusCode).Should().Be(200);
        return response.Headers.GetValues("x-execution-id").Single();
    }

    /// <summary>Waits for the execution to end (bounded by <paramref name="cancellationToken"/>); returns it as the API shows it.</summary>
    public async Task<JObject> FinishedAsync(string executionId, CancellationToken cancellationToken)
    {
        while (true)
        {
            var (status, _, body, _) = await SendAsync(HttpMethod.Get, $"/api/executions/{executionId}", cancellationToken: cancellationToken);
            if (status == 200 && body["finishedAt"] is { Type: JTokenType.String })
            {
                return body;
            }

            await Task.Delay(20, cancellationToken);
        }
    }

    /// <summary>The execution's status as the API shows it, or <see langword="null"/> before it is in the run log.</summary>
    public async Task<string?> StatusAsync(string executionId, CancellationToken cancellationToken)
    {
        var (status, _, body, _) = await SendAsync(HttpMethod.Get, $"/api/executions/{executionId}", cancellationToken: cancellationToken);
        return status == 200 ? (string?)body["status"] : null;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await App.StopAsync(timeout.Token).WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        await App.DisposeAsync();
    }

    /// <summary>Collects error-level log events.</summary>
    internal sealed class ErrorLog : ILoggerProvider
    {
        public ConcurrentQueue<string> Events { get; } = new();

        public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

        public void Dispose()
        {
        }

        private sealed class Logger(ErrorLog log, string category) : ILogger
        {
            public IDisposable? BeginScope<TState>(TState state)
                where TState : notnull => null;

            public bool IsEnabled(LogLevel logLevel) => logLevel >= LogLevel.Error;

            public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
            {
                if (IsEnabled(logLevel))
                {
                    log.Events.Enqueue($"{category}: {formatter(state, exception)} {exception?.GetType().Name}");
                }
            }
        }
    }
}

/// <summary>A component whose action <c>echo</c> returns its input.</summary>
internal sealed class EchoComponent : IComponent
{
    public const string Id = "limits-echo";

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Title = "Echo",
        Actions =
        [
            ActionDescriptor.For<EchoAction>("echo", "Echo") with
            {
                InMetadata = JObject.Parse("""{ "type": "object" }"""),
            },
        ],
    };
}

internal sealed class EchoAction : IFlowAction
{
    public ValueTask<JToken?> ExecuteAsync(ActionContext context) => new(context.Input.DeepClone());
}
