using System.Net;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>Mapping previews and the two mapping modes, over HTTP.</summary>
public sealed class MappingApiTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    [Test]
    public async Task An_expression_is_evaluated_against_the_input_and_bindings()
    {
        var result = await _app.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            JObject.Parse("""{"expression": "pet.name", "input": {"pet": {"name": "Gromit"}}}"""));
        var bound = await _app.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            JObject.Parse("""{"expression": "$who.name", "input": {}, "bindings": {"who": {"name": "Wallace"}}}"""));

        result["result"]!.ToString().Should().Be("Gromit");
        bound["result"]!.ToString().Should().Be("Wallace");
    }

    [Test]
    public async Task An_undefined_result_has_no_result_property()
    {
        var result = await _app.SendAsync(HttpMethod.Post, "/api/mapping/evaluate", JObject.Parse("""{"expression": "missing", "input": {"a": 1}}"""));

        result.Should().NotContainKey("result");
    }

    [Test]
    public async Task A_whole_step_mapping_is_previewed_field_by_field()
    {
        var result = await _app.SendAsync(HttpMethod.Post, "/api/mapping/evaluate",
            JObject.Parse("""{"mapping": {"name": "petname", "status": "petstatus"}, "input": {"petname": "Gromit", "petstatus": "sold"}}"""));

        result["result"]!.ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"name":"Gromit","status":"sold"}""");
    }

    [Test]
    public async Task A_bad_expression_is_a_400_with_code_and_position()
    {
        using var response = await _app.Api.PostAsync("/api/mapping/evaluate", PetstoreAppFixture.Json("""{"expression": "'open", "input": {}}"""));

        response.StatusCode.Should().Be(HttpStatusCode.BadRequest);
        var problem = JObject.Parse(await response.Content.ReadAsStringAsync());
        problem["code"]!.ToString().Should().Be("S0101");
        problem["position"]!.Type.Should().Be(JTokenType.Integer);
        problem["message"]!.ToString().Should().NotBeEmpty();
    }

    [Test]
    public async Task A_step_mapped_by_one_expression_gets_the_object_it_produces()
    {
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse("""
            {"name": "developer mode", "steps": [
              {"id": "step_1", "componentId": "webhook", "function": "receive"},
              {"id": "step_2", "componentId": "reply", "function": "httpReply", "mapping": "pet"} ] }
            """), 201);
        var id = flow["id"]!.ToString();
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");

        using var response = await _app.Client.PostAsync($"/hook/{id}", PetstoreAppFixture.Json("""{"pet": {"statusCode": 201, "responseBody": {"ok": true}}}"""));

        flow["draft"]!["steps"]![1]!["mapping"]!.ToString().Should().Be("pet");
        response.StatusCode.Should().Be(HttpStatusCode.Created);
        (await response.Content.ReadAsStringAsync()).Should().Be("""{"ok":true}""");
    }
}
