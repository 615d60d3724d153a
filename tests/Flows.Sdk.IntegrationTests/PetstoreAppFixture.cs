using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;
using PetstoreWebhook;

namespace Flows.Sdk.IntegrationTests;

/// <summary>
/// The tutorial app on a real Kestrel on 127.0.0.1 (a free port), called with a real <see cref="HttpClient"/>. It runs on its
/// default store, SQLite, in a database file of its own in a temporary directory, deleted at the end.
/// </summary>
public sealed class PetstoreAppFixture : IAsyncDisposable
{
    public const string ManagementKey = "test-management-key";

    private readonly string _dataDirectory;

    private PetstoreAppFixture(WebApplication app, string baseUrl, string dataDirectory)
    {
        _dataDirectory = dataDirectory;
        App = app;
        BaseUrl = baseUrl;
        Client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Api = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ManagementKey);
    }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    /// <summary>An anonymous client, as a webhook sender is.</summary>
    public HttpClient Client { get; }

    /// <summary>A client with the management key.</summary>
    public HttpClient Api { get; }

    public PetstoreStandIn StandIn => App.Services.GetRequiredService<PetstoreStandIn>();

    public static async Task<PetstoreAppFixture> StartAsync()
    {
        var dataDirectory = Path.Combine(Path.GetTempPath(), "flows-integration-tests", Guid.NewGuid().ToString("N"));
        var app = PetstoreApp.Create(
        [
            "--urls=http://127.0.0.1:0",
            $"--Storage:Sqlite:Path={Path.Combine(dataDirectory, "flows.db")}",
            $"--Management:ApiKey={ManagementKey}",
            "--Tutorial:Seed=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        return new PetstoreAppFixture(app, PetstoreApp.OwnBaseUrl(app.Services.GetRequiredService<IServer>()), dataDirectory);
    }

    public static StringContent Json(string json, string contentType = "application/json") => new(json, Encoding.UTF8, contentType);

    public static StringContent Json(JToken json) => Json(json.ToString());

    public async Task<JObject> SendAsync(HttpMethod method, string path, JToken? body = null, int expectedStatus = 200)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : Json(body) };
        using var response = await Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(expectedStatus, $"{method} {path} answered {text}");
        return text.Length == 0 ? [] : JObject.Parse(text);
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        Api.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_dataDirectory, recursive: true);
        }
        catch (IOException)
        {
            // Left to the system's temp cleaning.
        }
    }
}
