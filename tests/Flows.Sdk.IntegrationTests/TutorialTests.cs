using System.Net;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>The webhook-flow tutorial, end to end, over HTTP.</summary>
public sealed class TutorialTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private async Task<string> CreateTutorialFlowAsync(string function = "createPetWithPromise")
    {
        var webhookCredential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "No Auth", "componentId": "webhook", "fields": {"type": "none"}}"""), 201);
        var petstoreCredential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "Petstore key", "componentId": "petstore", "fields": {"apiKey": "secret"}}"""), 201);
        petstoreCredential["fields"]!["apiKey"]!.ToString().Should().Be("***");

        var verified = await _app.SendAsync(HttpMethod.Post, $"/api/credentials/{petstoreCredential["id"]}/verify");
        verified["verified"]!.Value<bool>().Should().BeTrue();

        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {
              "name": "Petstore tutorial",
              "steps": [
                { "id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{webhookCredential["id"]}}",
                  "sample": { "format": "json", "data": "{\"petname\": \"Gromit\", \"petstatus\": \"sold\"}" } },
                { "id": "step_2", "componentId": "petstore", "function": "{{function}}", "credentialId": "{{petstoreCredential["id"]}}",
                  "mapping": { "name": "petname", "status": "petstatus" } }
              ]
            }
            """), 201);
        flow["state"]!.ToString().Should().Be("draft");
        var id = flow["id"]!.ToString();

        (await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish"))["version"]!.Value<int>().Should().Be(1);
        var started = await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");
        started["state"]!.ToString().Should().Be("running");
        started["hookUrl"]!.ToString().Should().Be($"/hook/{id}");
        return id;
    }

    private async Task<JArray> WaitForExecutionsAsync(string flowId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var items = (JArray)(await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/executions"))["items"]!;
            if (items.Count >= count && items.All(i => i["status"]!.ToString() != "running"))
            {
                return items;
            }

            if (DateTime.UtcNow > deadline)
            {
                Assert.Fail($"Expected {count} finished executions, found: {items}");
            }

            await Task.Delay(50);
        }
    }

    [TestCase("createPetWithPromise")]
    [TestCase("createPetWithGenerators")]
    public async Task Three_posts_to_the_hook_create_three_pets_and_three_succeeded_executions(string function)
    {
        var flowId = await CreateTutorialFlowAsync(function);
        var pets = new[] { ("Gromit", "sold"), ("Wallace", "Available"), ("Shaun", "PENDING") };

        var requestIds = new List<string>();
        foreach (var (name, status) in pets)
        {
            using var response = await _app.Client.PostAsync($"/hook/{flowId}",
                PetstoreAppFixture.Json(new JObject { ["petname"] = name, ["petstatus"] = status }));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
            var body = JObject.Parse(await response.Content.ReadAsStringAsync());
            body["message"]!.ToString().Should().Be("thank you");
            requestIds.Add(body["requestId"]!.ToString());
        }

        var executions = await WaitForExecutionsAsync(flowId, 3);
        executions.Should().HaveCount(3);
        executions.Select(e => e["requestId"]!.ToString()).Should().BeEquivalentTo(requestIds);
        foreach (var summary in executions)
        {
            summary["status"]!.ToString().Should().Be("succeeded");
            var execution = await _app.SendAsync(HttpMethod.Get, $"/api/executions/{summary["id"]}");
            var steps = (JArray)execution["steps"]!;
            steps.Select(s => s["stepId"]!.ToString()).Should().Equal("step_1", "step_2");
            steps.Should().OnlyContain(s => s["status"]!.ToString() == "succeeded");
            var trigger = steps[0];
            var action = steps[1];
            trigger["output"]!["petname"]!.Type.Should().Be(JTokenType.String);
            trigger["output"]!["_method"]!.ToString().Should().Be("POST");
            action["input"]!["name"]!.ToString().Should().Be(trigger["output"]!["petname"]!.ToString());
            action["input"]!["status"]!.ToString().Should().Be(trigger["output"]!["petstatus"]!.ToString());
            action["output"]!["id"]!.Type.Should().Be(JTokenType.Integer);
            action["output"]!["status"]!.ToString().Should().Be(trigger["output"]!["petstatus"]!.ToString().ToLowerInvariant());
            action["durationMs"]!.Value<double>().Should().BeGreaterThan(0);
        }

        _app.StandIn.Pets.Select(p => ((string)p["name"]!, (string)p["status"]!))
            .Should().BeEquivalentTo(pets.Select(p => (p.Item1, p.Item2.ToLowerInvariant())));
    }

    [Test]
    public async Task An_invalid_pet_status_fails_the_step_with_a_clear_message_and_creates_no_pet()
    {
        var flowId = await CreateTutorialFlowAsync();

        using var response = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("""{"petname": "Gromit", "petstatus": "lost"}"""));

        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var summary = (await WaitForExecutionsAsync(flowId, 1)).Single();
        summary["status"]!.ToString().Should().Be("failed");
        var execution = await _app.SendAsync(HttpMethod.Get, $"/api/executions/{summary["id"]}");
        execution["steps"]![1]!["error"]!["message"]!.ToString().Should().Contain("'lost' is not valid").And.Contain("available, pending, sold");
        _app.StandIn.Pets.Should().BeEmpty();
    }

    [Test]
    public async Task A_wrong_petstore_key_fails_verification_with_a_reason()
    {
        var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "Wrong key", "componentId": "petstore", "fields": {"apiKey": "wrong"}}"""), 201);

        var result = await _app.SendAsync(HttpMethod.Post, $"/api/credentials/{credential["id"]}/verify");

        result["verified"]!.Value<bool>().Should().BeFalse();
        result["reason"]!.ToString().Should().Contain("refused the API key");
    }

    [Test]
    public async Task A_stopped_flow_answers_404_and_starts_again_on_start()
    {
        var flowId = await CreateTutorialFlowAsync();
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flowId}/stop");

        using var stopped = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("""{"petname": "a", "petstatus": "sold"}"""));
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flowId}/start");
        using var restarted = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("""{"petname": "a", "petstatus": "sold"}"""));

        stopped.StatusCode.Should().Be(HttpStatusCode.NotFound);
        stopped.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        restarted.StatusCode.Should().Be(HttpStatusCode.OK);
    }
}
