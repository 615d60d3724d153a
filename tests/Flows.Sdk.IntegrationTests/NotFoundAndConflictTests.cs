using System.Net;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>
/// The management API answers the engine's exception families by type, over Kestrel: any <c>NotFoundException</c> is a 404
/// naming what was missing, any <c>ConflictException</c> a 409 with the engine's reason, both as problem details.
/// </summary>
public sealed class NotFoundAndConflictTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private static async Task<JObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
        problem["status"]!.Value<int>().Should().Be((int)status);
        return problem;
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task An_unknown_credential_or_execution_is_a_404_naming_it()
    {
        using var verify = await _app.Api.PostAsync("/api/credentials/no-such-credential/verify", null);
        using var retry = await _app.Api.PostAsync("/api/executions/no-such-execution/retry", null);
        using var start = await _app.Api.PostAsync("/api/flows/no-such-flow/start", null);

        (await ProblemAsync(verify, HttpStatusCode.NotFound))["detail"]!.ToString().Should().Be("There is no credential 'no-such-credential'.");
        (await ProblemAsync(retry, HttpStatusCode.NotFound))["detail"]!.ToString().Should().Be("There is no execution 'no-such-execution'.");
        (await ProblemAsync(start, HttpStatusCode.NotFound))["detail"]!.ToString().Should().Be("There is no flow 'no-such-flow'.");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Starting_an_unpublished_flow_is_a_409()
    {
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse("""
            {"name": "never published", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}
            """), 201);

        using var start = await _app.Api.PostAsync($"/api/flows/{flow["id"]}/start", null);

        (await ProblemAsync(start, HttpStatusCode.Conflict))["detail"]!.ToString().Should().Contain("has no published version");
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task Retrying_an_execution_that_has_not_failed_is_a_409(CancellationToken cancellationToken)
    {
        var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "open", "componentId": "webhook", "fields": {"type": "none"}}"""), 201);
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "hook only", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{credential["id"]}}"}]}
            """), 201);
        var flowId = flow["id"]!.ToString();
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flowId}/publish");
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flowId}/start");
        using var hook = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("""{"petname": "Gromit"}"""), cancellationToken);
        hook.IsSuccessStatusCode.Should().BeTrue();
        var executionId = hook.Headers.GetValues(global::Flows.Sdk.Hooks.WebhookResponse.ExecutionIdHeader).Single();

        // Wait (bounded by CancelAfter) until the execution has succeeded: only a failed one can be retried.
        while ((await _app.SendAsync(HttpMethod.Get, $"/api/executions/{executionId}"))["status"]!.ToString() != "succeeded")
        {
            await Task.Delay(20, cancellationToken);
        }

        using var retry = await _app.Api.PostAsync($"/api/executions/{executionId}/retry", null, cancellationToken);

        (await ProblemAsync(retry, HttpStatusCode.Conflict))["detail"]!.ToString().Should().Contain("only a failed execution can be retried");
    }
}
