using System.Collections.Concurrent;
using System.Net;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.PostgreSql.Tests.Support;

/// <summary>
/// A real host on 127.0.0.1 with the PostgreSQL store on one schema: the hook, the (anonymous) management API and
/// <c>/healthz</c>. It records the ids of the log events it writes. Several of them on one schema are several nodes.
/// </summary>
internal sealed class PgHookApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EventRecorder _events;

    private PgHookApp(WebApplication app, HttpClient client, EventRecorder events)
    {
        _app = app;
        Client = client;
        _events = events;
    }

    public HttpClient Client { get; }

    public IServiceProvider Services => _app.Services;

    public IReadOnlyList<int> Events => _events.Ids.ToArray();

    /// <summary>Starts a node on <paramref name="schema"/> of the run's database (or of <paramref name="connectionString"/>).</summary>
    public static async Task<PgHookApp> StartAsync(string schema, string? connectionString = null, string key = TestDatabase.TestKey,
        Action<IServiceCollection>? services = null)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var events = new EventRecorder();
        builder.Logging.AddProvider(events);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddAuthorization();
        builder.Services.AddHealthChecks().AddWebhookFlowsPostgreSql();
        builder.Services.AddWebhookFlows().UsePostgreSql(o =>
        {
            o.ConnectionString = connectionString ?? TestDatabase.ConnectionString;
            o.EncryptionKey = key;
            o.Schema = schema;
        });
        services?.Invoke(builder.Services);
        var app = builder.Build();
        app.MapWebhookFlows();
        app.MapWebhookFlowsApi().AllowAnonymous();
        app.MapHealthChecks("/healthz");
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new PgHookApp(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(20) }, events);
    }

    /// <summary>Sends a management API request and checks its status; returns the JSON body (empty when there is none).</summary>
    public async Task<JObject> SendAsync(HttpMethod method, string path, JObject? body, HttpStatusCode expected, CancellationToken cancellationToken = default)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToString(), Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        response.StatusCode.Should().Be(expected, text);
        return text.Length == 0 || text[0] != '{' ? [] : JObject.Parse(text);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>Keeps the id of every log event with one.</summary>
    private sealed class EventRecorder : ILoggerProvider, ILogger
    {
        public ConcurrentQueue<int> Ids { get; } = new();

        public ILogger CreateLogger(string categoryName) => this;

        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            if (eventId.Id != 0)
            {
                Ids.Enqueue(eventId.Id);
            }
        }

        public void Dispose()
        {
        }
    }
}
