using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>The HTTP edge: status codes and problem details of the hook and the management API.</summary>
public sealed class HttpSurfaceTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private async Task<string> LiveFlowAsync(JObject webhookFields)
    {
        var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            new JObject { ["name"] = "hook", ["componentId"] = "webhook", ["fields"] = webhookFields }, 201);
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "hook only", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{credential["id"]}}"}]}
            """), 201);
        var id = flow["id"]!.ToString();
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");
        return id;
    }

    private static async Task<JObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
        problem["status"]!.Value<int>().Should().Be((int)status);
        problem["detail"]!.ToString().Should().NotBeNullOrEmpty();
        return problem;
    }

    [Test]
    public async Task The_management_api_needs_the_management_key()
    {
        using var anonymous = await _app.Client.GetAsync("/api/flows");
        using var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/flows") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", "nope") } };
        using var wrongResponse = await _app.Client.SendAsync(wrong);

        await ProblemAsync(anonymous, HttpStatusCode.Unauthorized);
        wrongResponse.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Basic_auth_hooks_answer_401_with_a_challenge_and_accept_the_right_caller()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "basic", "username": "hook-user", "password": "hook-pass"}"""));

        using var missing = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("{}"));
        using var wrong = new HttpRequestMessage(HttpMethod.Post, $"/hook/{flowId}")
        {
            Content = PetstoreAppFixture.Json("{}"),
            Headers = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("hook-user:nope"))) },
        };
        using var wrongResponse = await _app.Client.SendAsync(wrong);
        using var right = new HttpRequestMessage(HttpMethod.Post, $"/hook/{flowId}/extra")
        {
            Content = PetstoreAppFixture.Json("{}"),
            Headers = { Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("hook-user:hook-pass"))) },
        };
        using var rightResponse = await _app.Client.SendAsync(right);

        await ProblemAsync(missing, HttpStatusCode.Unauthorized);
        missing.Headers.WwwAuthenticate.Should().ContainSingle(h => h.Scheme == "Basic");
        await ProblemAsync(wrongResponse, HttpStatusCode.Unauthorized);
        rightResponse.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Hook_errors_are_problem_details_with_the_right_status()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "none"}"""));

        using var malformed = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("{\"petname\": "));
        using var unknown = await _app.Client.PostAsync("/hook/0123456789abcdef0123456789abcdef", PetstoreAppFixture.Json("{}"));
        using var put = await _app.Client.PutAsync($"/hook/{flowId}", PetstoreAppFixture.Json("{}"));
        using var text = await _app.Client.PostAsync($"/hook/{flowId}", new StringContent("hello", Encoding.UTF8, "text/plain"));
        using var huge = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("{\"a\": \"" + new string('x', 1024 * 1024) + "\"}"));
        using var get = await _app.Client.GetAsync($"/hook/{flowId}?petname=Gromit");

        (await ProblemAsync(malformed, HttpStatusCode.BadRequest))["detail"]!.ToString().Should().Contain("line 1");
        await ProblemAsync(unknown, HttpStatusCode.NotFound);
        await ProblemAsync(put, HttpStatusCode.MethodNotAllowed);
        put.Content.Headers.Allow.Should().BeEquivalentTo("GET", "POST");
        await ProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
        await ProblemAsync(huge, HttpStatusCode.RequestEntityTooLarge);
        get.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Publishing_an_incomplete_flow_is_a_422_naming_step_and_field()
    {
        var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "key", "componentId": "petstore", "fields": {"apiKey": "secret"}}"""), 201);
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "incomplete", "steps": [
              {"id": "step_1", "componentId": "webhook", "function": "receive"},
              {"id": "step_2", "componentId": "petstore", "function": "createPetWithPromise", "credentialId": "{{credential["id"]}}", "mapping": {"name": "petname"} } ] }
            """), 201);

        using var response = await _app.Api.PostAsync($"/api/flows/{flow["id"]}/publish", null);
        using var start = await _app.Api.PostAsync($"/api/flows/{flow["id"]}/start", null);

        var problem = await ProblemAsync(response, (HttpStatusCode)422);
        problem["errors"]!.Should().ContainSingle();
        problem["errors"]![0]!["stepId"]!.ToString().Should().Be("step_2");
        problem["errors"]![0]!["field"]!.ToString().Should().Be("mapping.status");
        await ProblemAsync(start, HttpStatusCode.Conflict);
    }

    [Test]
    public async Task A_malformed_flow_request_is_a_400_naming_the_field()
    {
        using var response = await _app.Api.PostAsync("/api/flows", PetstoreAppFixture.Json("""{"name": "x", "steps": [{"id": "a", "componentId": 5}]}"""));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        problem["errors"]!.Select(e => e["field"]!.ToString()).Should().Contain(["steps[0].componentId", "steps[0].function"]);
    }

    [Test]
    public async Task Unknown_resources_are_404_problems()
    {
        using var flow = await _app.Api.GetAsync("/api/flows/nope");
        using var execution = await _app.Api.GetAsync("/api/executions/nope");
        using var publish = await _app.Api.PostAsync("/api/flows/nope/publish", null);

        await ProblemAsync(flow, HttpStatusCode.NotFound);
        await ProblemAsync(execution, HttpStatusCode.NotFound);
        await ProblemAsync(publish, HttpStatusCode.NotFound);
    }

    [Test]
    public async Task Credentials_never_come_back_with_their_secrets()
    {
        await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "b", "componentId": "webhook", "fields": {"type": "basic", "username": "u", "password": "sup3r-secret"}}"""), 201);

        using var list = await _app.Api.GetAsync("/api/credentials");
        var text = await list.Content.ReadAsStringAsync();

        text.Should().NotContain("sup3r-secret").And.Contain("\"password\":\"***\"");
    }
}
