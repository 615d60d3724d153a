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

namespace Flows.Sdk.Sqlite.Tests.Support;

/// <summary>
/// A real host on 127.0.0.1 with the SQLite store at a given path, the hook and the (anonymous) management API; it records
/// the ids of the log events it writes. Test classes derive from it for their own helpers.
/// </summary>
internal abstract class SqliteHookApp : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly EventRecorder _events;

    protected SqliteHookApp(Started started)
    {
        _app = started.App;
        _events = started.Events;
        Client = started.Client;
    }

    public HttpClient Client { get; }

    public IReadOnlyList<int> Events => _events.Ids.ToArray();

    public SqliteDatabase Database => _app.Services.GetRequiredService<SqliteDatabase>();

    /// <summary>Starts the host on <paramref name="path"/>; the derived class wraps what it returns.</summary>
    protected static async Task<Started> StartHostAsync(string path)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var events = new EventRecorder();
        builder.Logging.AddProvider(events);
        builder.Logging.SetMinimumLevel(LogLevel.Information);
        builder.Services.AddAuthorization();
        builder.Services.AddWebhookFlows().UseSqlite(o =>
        {
            o.Path = path;
            o.EncryptionKey = SqliteStoreFactory.TestKey;
        });
        var app = builder.Build();
        app.MapWebhookFlows();
        app.MapWebhookFlowsApi().AllowAnonymous();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        return new Started(app, new HttpClient { BaseAddress = new Uri(address), Timeout = TimeSpan.FromSeconds(20) }, events);
    }

    /// <summary>Sends a management API request and checks its status; returns the JSON body (empty when there is none).</summary>
    protected async Task<JObject> SendAsync(HttpMethod method, string path, JObject? body, HttpStatusCode expected, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path);
        if (body is not null)
        {
            request.Content = new StringContent(body.ToString(), Encoding.UTF8, "application/json");
        }

        using var response = await Client.SendAsync(request, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        response.StatusCode.Should().Be(expected, text);
        return text.Length == 0 ? [] : JObject.Parse(text);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    /// <summary>A started host, before a derived class wraps it.</summary>
    protected sealed record Started(WebApplication App, HttpClient Client, EventRecorder Events);

    /// <summary>Keeps the id of every log event with one.</summary>
    protected sealed class EventRecorder : ILoggerProvider, ILogger
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
