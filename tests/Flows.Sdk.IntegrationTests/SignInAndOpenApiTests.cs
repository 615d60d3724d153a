using System.Net;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>The example's sign-in cookie (HttpOnly, SameSite=Strict), its protection against cross-site calls, and the OpenAPI
/// document of the management API, over a real Kestrel.</summary>
[CancelAfter(60_000)]
public sealed class SignInAndOpenApiTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private HttpClient Browser(CookieContainer cookies) =>
        new(new HttpClientHandler { CookieContainer = cookies, AllowAutoRedirect = false }) { BaseAddress = new Uri(_app.BaseUrl), Timeout = TimeSpan.FromSeconds(30) };

    private async Task<HttpResponseMessage> SignInAsync(HttpClient client, string key, string? origin)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "/signin")
        {
            Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["key"] = key, ["returnUrl"] = "/dashboard/#/flows" }),
        };
        if (origin is not null)
        {
            request.Headers.Add("Origin", origin);
        }

        return await client.SendAsync(request);
    }

    [Test]
    public async Task The_sign_in_page_sets_an_http_only_strict_cookie_that_the_api_accepts()
    {
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);

        using (var dashboard = await browser.GetAsync("/dashboard/"))
        {
            dashboard.StatusCode.Should().Be(HttpStatusCode.Redirect);
            dashboard.Headers.Location!.ToString().Should().Contain("/signin?returnUrl=");
        }

        using (var page = await browser.GetAsync("/signin"))
        {
            var html = await page.Content.ReadAsStringAsync();
            html.Should().Contain("<label for=\"key\">Management key</label>").And.Contain(">Sign in</button>");
            page.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("default-src 'none'");
        }

        using (var wrong = await SignInAsync(browser, "not-the-key", _app.BaseUrl))
        {
            wrong.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
            (await wrong.Content.ReadAsStringAsync()).Should().Contain("Wrong management key.");
        }

        (await browser.GetAsync("/api/flows")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        using (var right = await SignInAsync(browser, PetstoreAppFixture.ManagementKey, _app.BaseUrl))
        {
            right.StatusCode.Should().Be(HttpStatusCode.Redirect);
            right.Headers.Location!.ToString().Should().Be("/dashboard/#/flows");
            var setCookie = right.Headers.GetValues("Set-Cookie").Single(c => c.StartsWith("flows_management=", StringComparison.Ordinal));
            setCookie.Should().Contain("httponly").And.Contain("samesite=strict");
        }

        using var flows = await browser.GetAsync("/api/flows");
        flows.StatusCode.Should().Be(HttpStatusCode.OK);
        using var index = await browser.GetAsync("/dashboard/");
        index.StatusCode.Should().Be(HttpStatusCode.OK);
        index.Headers.GetValues("Content-Security-Policy").Single().Should().Contain("script-src 'self'").And.NotContain("unsafe-inline");
    }

    [Test]
    public async Task A_state_changing_call_with_the_cookie_needs_the_header_and_the_apps_own_origin()
    {
        var cookies = new CookieContainer();
        using var browser = Browser(cookies);
        (await SignInAsync(browser, PetstoreAppFixture.ManagementKey, "http://evil.example")).StatusCode.Should().Be(HttpStatusCode.Forbidden, "a sign-in from another site is refused");
        (await SignInAsync(browser, PetstoreAppFixture.ManagementKey, _app.BaseUrl)).StatusCode.Should().Be(HttpStatusCode.Redirect);
        var draft = """{"name": "By cookie", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}""";

        async Task<(HttpStatusCode Status, string Body)> CreateAsync(string? header, string? origin, string? site)
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, "/api/flows") { Content = PetstoreAppFixture.Json(draft) };
            if (header is not null)
            {
                request.Headers.Add("X-Flows-Request", header);
            }

            if (origin is not null)
            {
                request.Headers.Add("Origin", origin);
            }

            if (site is not null)
            {
                request.Headers.Add("Sec-Fetch-Site", site);
            }

            using var response = await browser.SendAsync(request);
            return (response.StatusCode, await response.Content.ReadAsStringAsync());
        }

        var bare = await CreateAsync(null, _app.BaseUrl, "same-origin");
        bare.Status.Should().Be(HttpStatusCode.Forbidden);
        JObject.Parse(bare.Body)["detail"]!.ToString().Should().Contain("X-Flows-Request");
        (await CreateAsync("dashboard", "http://evil.example", null)).Status.Should().Be(HttpStatusCode.Forbidden);
        (await CreateAsync("dashboard", null, "cross-site")).Status.Should().Be(HttpStatusCode.Forbidden);
        (await CreateAsync("dashboard", _app.BaseUrl, "same-origin")).Status.Should().Be(HttpStatusCode.Created);

        // The Bearer header is not a cookie: no header or origin needed.
        await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse(draft), 201);
    }

    [Test]
    public async Task The_openapi_document_describes_the_management_api_only_to_an_authorized_caller()
    {
        (await _app.Client.GetAsync("/openapi/v1.json")).StatusCode.Should().Be(HttpStatusCode.Unauthorized);

        var document = await _app.SendAsync(HttpMethod.Get, "/openapi/v1.json");
        var paths = ((JObject)document["paths"]!).Properties().Select(p => p.Name).ToList();
        paths.Should().Contain(["/api/components", "/api/flows", "/api/flows/{id}", "/api/flows/{id}/counts", "/api/flows/{id}/refused", "/api/credentials/{id}"]);
        paths.Should().OnlyContain(p => p.StartsWith("/api/", StringComparison.Ordinal), "the document is the management API's");
        document["paths"]!["/api/flows/{id}"]!["delete"]!["summary"]!.ToString().Should().Contain("not running");
    }
}
