using System.Net;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>Samples through the API and the hook, synchronous replies and retries, over HTTP.</summary>
public sealed class SamplesAndRepliesTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private const string PetXml = """
        <?xml version="1.0" encoding="utf-8"?>
        <pet id="7" xmlns:x="urn:example">
          <name>Gromit</name>
          <tag>dog</tag>
          <tag>clever</tag>
          <x:note><![CDATA[likes <cheese>]]></x:note>
          <owner />
        </pet>
        """;

    private async Task<string> LiveFlowAsync(JArray steps)
    {
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", new JObject { ["name"] = "f", ["steps"] = steps }, 201);
        var id = flow["id"]!.ToString();
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");
        return id;
    }

    private async Task<JObject> WaitForExecutionAsync(string flowId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            var items = (JArray)(await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/executions"))["items"]!;
            if (items.Count > 0 && items[0]["status"]!.ToString() is "succeeded" or "failed")
            {
                return await _app.SendAsync(HttpMethod.Get, $"/api/executions/{items[0]["id"]}");
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("No finished execution.");
    }

    [Test]
    public async Task An_xml_sample_and_the_same_xml_posted_to_a_live_hook_give_identical_json()
    {
        var parsed = await _app.SendAsync(HttpMethod.Post, "/api/samples/parse", new JObject { ["format"] = "xml", ["sample"] = PetXml });
        var flowId = await LiveFlowAsync(JArray.Parse("""[{"id": "step_1", "componentId": "webhook", "function": "receive"}]"""));

        using var response = await _app.Client.PostAsync($"/hook/{flowId}", new StringContent(PetXml, Encoding.UTF8, "application/xml"));
        response.StatusCode.Should().Be(HttpStatusCode.OK);
        var execution = await WaitForExecutionAsync(flowId);

        var payload = (JObject)execution["steps"]![0]!["output"]!.DeepClone();
        foreach (var meta in new[] { "_query", "_headers", "_method", "_url", "_additionalUrlPath" })
        {
            payload.Remove(meta);
        }

        JToken.DeepEquals(payload, parsed["sample"]).Should().BeTrue($"hook gave {payload} and the sample gave {parsed["sample"]}");
        parsed["sample"]!["pet"]!["@id"]!.ToString().Should().Be("7");
        parsed["sample"]!["pet"]!["tag"]!.Should().BeOfType<JArray>();
        ((JArray)parsed["fields"]!).Select(f => f["path"]!.ToString()).Should().Contain("pet.name");
    }

    [TestCase("json", "[1, 2]", "JSON object")]
    [TestCase("json", "{\"a\": ", "line")]
    [TestCase("xml", "<a><b></a>", "line")]
    [TestCase("xml", "<!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><a>&e;</a>", "DTD")]
    [TestCase("properties", "petname, pet name", "pet name")]
    [TestCase("yaml", "a: 1", "not known")]
    public async Task A_bad_sample_is_a_400_saying_what_and_where(string format, string sample, string detail)
    {
        using var response = await _app.Api.PostAsync("/api/samples/parse", PetstoreAppFixture.Json(new JObject { ["format"] = format, ["sample"] = sample }));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        (await response.Content.ReadAsStringAsync()).Should().Contain(detail);
    }

    [Test]
    public async Task A_property_list_sample_gives_fields_and_a_draft_with_a_bad_sample_is_refused()
    {
        var parsed = await _app.SendAsync(HttpMethod.Post, "/api/samples/parse", new JObject { ["format"] = "properties", ["sample"] = "petname, pet.status" });
        using var refused = await _app.Api.PostAsync("/api/flows", PetstoreAppFixture.Json("""
            {"name": "bad", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive", "sample": {"format": "xml", "data": "<open>"}}]}
            """));

        ((JArray)parsed["fields"]!).Select(f => f["path"]!.ToString()).Should().Contain(["petname", "pet.status"]);
        refused.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        (await refused.Content.ReadAsStringAsync()).Should().Contain("steps[0].sample");
    }

    [Test]
    public async Task A_flow_lists_each_steps_fields_and_publishing_warns_about_a_field_the_sample_lacks()
    {
        var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials", JObject.Parse("""{"name": "k", "componentId": "petstore", "fields": {"apiKey": "secret"}}"""), 201);
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {"name": "warn", "steps": [
              {"id": "step_1", "componentId": "webhook", "function": "receive", "sample": {"format": "json", "data": "{\"petname\": \"Gromit\", \"petstatus\": \"sold\"}"} },
              {"id": "step_2", "componentId": "petstore", "function": "createPetWithPromise", "credentialId": "{{credential["id"]}}",
               "mapping": {"name": "petname", "status": "pet_status"} } ] }
            """), 201);

        var published = await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flow["id"]}/publish");

        var steps = (JArray)flow["draft"]!["steps"]!;
        steps[0]["fields"]!.Select(f => f["path"]!.ToString()).Should().Equal("petname", "petstatus");
        steps[1]["fields"]!.Select(f => f["path"]!.ToString()).Should().Contain(["id", "name", "status"]);
        published["version"]!.Value<int>().Should().Be(1);
        published["warnings"]!.Should().ContainSingle().Which["field"]!.ToString().Should().Be("mapping.status");
    }

    [Test]
    public async Task Retrieving_a_sample_stores_it_on_the_action_step()
    {
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse("""
            {"name": "s", "steps": [
              {"id": "step_1", "componentId": "webhook", "function": "receive"},
              {"id": "step_2", "componentId": "petstore", "function": "createPetWithPromise"} ] }
            """), 201);

        var retrieved = await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flow["id"]}/steps/step_2/sample");
        using var onTrigger = await _app.Api.PostAsync($"/api/flows/{flow["id"]}/steps/step_1/sample", null);
        var stored = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flow["id"]}");

        retrieved["sample"]!["id"]!.Type.Should().Be(JTokenType.Integer);
        retrieved["sample"]!["name"]!.Type.Should().Be(JTokenType.String);
        stored["draft"]!["steps"]![1]!["sample"]!["format"]!.ToString().Should().Be("json");
        onTrigger.StatusCode.Should().Be(HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task A_reply_step_makes_the_hook_answer_with_the_flows_reply()
    {
        var flowId = await LiveFlowAsync(JArray.Parse("""
            [{"id": "step_1", "componentId": "webhook", "function": "receive"},
             {"id": "step_2", "componentId": "reply", "function": "httpReply", "mapping": {"statusCode": "202", "responseBody": "petname"}}]
            """));

        using var response = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("""{"petname": "Gromit"}"""));

        response.StatusCode.Should().Be(HttpStatusCode.Accepted);
        (await response.Content.ReadAsStringAsync()).Should().Be("\"Gromit\"");
        response.Headers.GetValues("x-execution-id").Should().ContainSingle().Which.Should().NotBeEmpty();
    }

    [Test]
    public async Task A_failed_execution_is_retried_through_the_api_with_an_edited_message()
    {
        var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials", JObject.Parse("""{"name": "k", "componentId": "petstore", "fields": {"apiKey": "secret"}}"""), 201);
        var flowId = await LiveFlowAsync(JArray.Parse($$"""
            [{"id": "step_1", "componentId": "webhook", "function": "receive"},
             {"id": "step_2", "componentId": "petstore", "function": "createPetWithPromise", "credentialId": "{{credential["id"]}}",
              "mapping": {"name": "petname", "status": "petstatus"} } ]
            """));
        using var hook = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json("""{"petname": "Gromit", "petstatus": "lost"}"""));
        var failed = await WaitForExecutionAsync(flowId);
        failed["status"]!.ToString().Should().Be("failed");

        var retried = await _app.SendAsync(HttpMethod.Post, $"/api/executions/{failed["id"]}/retry",
            JObject.Parse("""{"message": {"petname": "Gromit", "petstatus": "sold"}}"""), 202);
        var deadline = DateTime.UtcNow.AddSeconds(30);
        JObject execution;
        do
        {
            await Task.Delay(50);
            execution = await _app.SendAsync(HttpMethod.Get, $"/api/executions/{failed["id"]}");
        }
        while (execution["status"]!.ToString() == "running" && DateTime.UtcNow < deadline);

        retried["id"]!.ToString().Should().Be(failed["id"]!.ToString());
        execution["status"]!.ToString().Should().Be("succeeded");
        execution["steps"]!.Where(s => s["stepId"]!.ToString() == "step_2").Select(s => s["attempt"]!.Value<int>()).Should().Equal(1, 2);
        _app.StandIn.Pets.Should().ContainSingle(p => (string)p["status"]! == "sold");
    }
}
