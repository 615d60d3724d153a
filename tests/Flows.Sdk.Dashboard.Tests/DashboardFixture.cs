using System.Net.Http.Headers;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using Newtonsoft.Json.Linq;
using PetstoreWebhook;

namespace Flows.Sdk.Dashboard.Tests;

/// <summary>
/// The tutorial app (dashboard at /dashboard, SQLite in a temporary directory) on a real Kestrel on 127.0.0.1, and Debian's
/// chromium driven by Playwright: one browser (a persistent context with a fresh profile) for all the tests of a fixture,
/// signed in once through the sign-in page.
/// </summary>
public sealed class DashboardApp : IAsyncDisposable
{
    public const string ManagementKey = "browser-test-key";
    private const string Chromium = "/usr/bin/chromium";

    private readonly string _directory;

    private DashboardApp(WebApplication app, string baseUrl, string directory, IPlaywright playwright, IBrowserContext browser)
    {
        App = app;
        BaseUrl = baseUrl;
        _directory = directory;
        Playwright = playwright;
        Browser = browser;
        Client = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Api = new HttpClient { BaseAddress = new Uri(baseUrl), Timeout = TimeSpan.FromSeconds(30) };
        Api.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ManagementKey);
    }

    public WebApplication App { get; }

    public string BaseUrl { get; }

    public IPlaywright Playwright { get; }

    public IBrowserContext Browser { get; }

    /// <summary>An anonymous client, as a webhook sender is.</summary>
    public HttpClient Client { get; }

    /// <summary>A client with the management key.</summary>
    public HttpClient Api { get; }

    /// <summary>Where the screenshots go: a folder under the test results.</summary>
    public static string Screenshots { get; } = Path.Combine(TestContext.CurrentContext.WorkDirectory, "TestResults", "dashboard-screenshots");

    public static async Task<DashboardApp> StartAsync()
    {
        if (!File.Exists(Chromium))
        {
            Assert.Fail($"{Chromium} is missing: install Debian's chromium (apt-get install -y chromium), as .ci/run does.");
        }

        Environment.SetEnvironmentVariable("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1");
        var directory = Path.Combine(Path.GetTempPath(), "flows-dashboard-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(directory);
        Directory.CreateDirectory(Screenshots);
        var app = PetstoreApp.Create(
        [
            "--urls=http://127.0.0.1:0",
            $"--Storage:Sqlite:Path={Path.Combine(directory, "flows.db")}",
            $"--Management:ApiKey={ManagementKey}",
            "--Tutorial:Seed=false",
            "--Logging:LogLevel:Default=Warning",
        ]);
        await app.StartAsync();
        var baseUrl = PetstoreApp.OwnBaseUrl(app.Services.GetRequiredService<IServer>());

        var playwright = await Microsoft.Playwright.Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchPersistentContextAsync(Path.Combine(directory, "profile"), new()
        {
            ExecutablePath = Chromium,
            Headless = true,
            Args = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync"],
            ViewportSize = new ViewportSize { Width = 1280, Height = 800 },
            Timeout = 60_000,
        });
        browser.SetDefaultTimeout(20_000);
        var fixture = new DashboardApp(app, baseUrl, directory, playwright, browser);
        await fixture.SignInAsync();
        return fixture;
    }

    /// <summary>Signs in as a person does: the dashboard sends the browser to the sign-in page, which takes the key once.</summary>
    public async Task SignInAsync()
    {
        var page = await Browser.NewPageAsync();
        await page.GotoAsync(BaseUrl + "/dashboard/");
        await page.WaitForURLAsync("**/signin**");
        await page.GetByLabel("Management key").FillAsync(ManagementKey);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await page.WaitForURLAsync("**/dashboard/**");
        await page.GetByRole(AriaRole.Heading, new() { Name = "Flows", Exact = true }).WaitForAsync();
        await page.CloseAsync();
    }

    /// <summary>A new page, at 1280×800 unless told.</summary>
    public async Task<IPage> PageAsync(int width = 1280, int height = 800)
    {
        var page = await Browser.NewPageAsync();
        await page.SetViewportSizeAsync(width, height);
        return page;
    }

    public static async Task ScreenshotAsync(IPage page, string name)
    {
        var path = Path.Combine(Screenshots, name + ".png");

        // A passing notice ("Published version 1") would cover part of the page.
        await page.EvaluateAsync("() => { const toast = document.getElementById('toast'); if (toast) toast.className = ''; }");
        await page.ScreenshotAsync(new() { Path = path, FullPage = true });
        TestContext.AddTestAttachment(path, name);
    }

    public async Task<JObject> SendAsync(HttpMethod method, string path, JToken? body = null, int expectedStatus = 200)
    {
        using var request = new HttpRequestMessage(method, path) { Content = body is null ? null : new StringContent(body.ToString(), Encoding.UTF8, "application/json") };
        using var response = await Api.SendAsync(request);
        var text = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).Should().Be(expectedStatus, $"{method} {path} answered {text}");
        return text.Length == 0 ? [] : JObject.Parse(text);
    }

    /// <summary>The tutorial's flow made through the API (for the tests that are not about the designer), started.</summary>
    public async Task<string> CreateTutorialFlowAsync(string name)
    {
        var hook = (string)(await SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "No Auth", "componentId": "webhook", "fields": {"type": "none"}}"""), 201))["id"]!;
        var pet = (string)(await SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "Petstore key", "componentId": "petstore", "fields": {"apiKey": "secret"}}"""), 201))["id"]!;
        var flow = await SendAsync(HttpMethod.Post, "/api/flows", new JObject
        {
            ["name"] = name,
            ["steps"] = new JArray(
                new JObject
                {
                    ["id"] = "step_1", ["componentId"] = "webhook", ["function"] = "receive", ["credentialId"] = hook,
                    ["sample"] = new JObject { ["format"] = "json", ["data"] = """{"petname": "Gromit", "petstatus": "sold"}""" },
                },
                new JObject
                {
                    ["id"] = "step_2", ["componentId"] = "petstore", ["function"] = "createPetWithPromise", ["credentialId"] = pet,
                    ["mapping"] = new JObject { ["name"] = "petname", ["status"] = "petstatus" },
                }),
        }, 201);
        var id = (string)flow["id"]!;
        await SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        await SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");
        return id;
    }

    public async Task PostAsync(string url, string json, string contentType = "application/json", int expectedStatus = 200)
    {
        using var response = await Client.PostAsync(url, new StringContent(json, Encoding.UTF8, contentType));
        ((int)response.StatusCode).Should().Be(expectedStatus, await response.Content.ReadAsStringAsync());
    }

    public async ValueTask DisposeAsync()
    {
        await Browser.CloseAsync();
        Playwright.Dispose();
        Client.Dispose();
        Api.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A file still held (the browser's profile) stays in the temporary directory.
        }
    }
}
