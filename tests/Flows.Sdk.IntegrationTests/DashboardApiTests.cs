using System.Net;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>The management API's additions for the dashboard, over a real Kestrel: step names and notes, components with search,
/// rename, delete, execution counts and refused deliveries.</summary>
[CancelAfter(120_000)]
public sealed class DashboardApiTests
{
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private async Task<(string FlowId, string HookCredential, string PetCredential)> CreateFlowAsync(string hookFields = """{"type": "none"}""", bool start = true)
    {
        var hook = (string)(await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse($$"""{"name": "Hook", "componentId": "webhook", "fields": {{hookFields}}}"""), 201))["id"]!;
        var pet = (string)(await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "Petstore key", "componentId": "petstore", "fields": {"apiKey": "secret"}}"""), 201))["id"]!;
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse($$"""
            {
              "name": "Pets",
              "steps": [
                { "id": "step_1", "componentId": "webhook", "function": "receive", "credentialId": "{{hook}}",
                  "name": "Receive a pet", "note": "From the shop's <b>webhook</b>",
                  "sample": { "format": "json", "data": "{\"petname\": \"Gromit\", \"petstatus\": \"sold\"}" } },
                { "id": "step_2", "componentId": "petstore", "function": "createPetWithPromise", "credentialId": "{{pet}}",
                  "name": "Create the pet", "mapping": { "name": "petname", "status": "petstatus" } }
              ]
            }
            """), 201);
        var id = (string)flow["id"]!;
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        if (start)
        {
            await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");
        }

        return (id, hook, pet);
    }

    [Test]
    public async Task A_step_keeps_its_name_and_note_in_the_draft_and_the_version()
    {
        var (flowId, _, _) = await CreateFlowAsync(start: false);

        var flow = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}");
        flow["draft"]!["steps"]![0]!["name"]!.ToString().Should().Be("Receive a pet");
        flow["draft"]!["steps"]![0]!["note"]!.ToString().Should().Be("From the shop's <b>webhook</b>");
        flow["draft"]!["steps"]![1]!["name"]!.ToString().Should().Be("Create the pet");
        flow["draft"]!["steps"]![1]!["note"].Should().BeNull();
        var version = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/versions/1");
        version["definition"]!["steps"]![0]!["note"]!.ToString().Should().Be("From the shop's <b>webhook</b>");

        var tooLong = (JObject)flow["draft"]!.DeepClone();
        tooLong["steps"]![1]!["note"] = new string('n', 2001);
        var refused = await _app.SendAsync(HttpMethod.Put, $"/api/flows/{flowId}/draft", tooLong, 400);
        refused["errors"]![0]!["field"]!.ToString().Should().Be("steps[1].note");
        var wrongType = (JObject)flow["draft"]!.DeepClone();
        wrongType["steps"]![0]!["name"] = 5;
        (await _app.SendAsync(HttpMethod.Put, $"/api/flows/{flowId}/draft", wrongType, 400))["errors"]![0]!["field"]!.ToString().Should().Be("steps[0].name");
    }

    [Test]
    public async Task Components_are_listed_with_their_functions_and_fields_and_searched()
    {
        var all = (JArray)(await _app.SendAsync(HttpMethod.Get, "/api/components"))["items"]!;
        all.Select(c => (string)c["id"]!).Should().Contain(["webhook", "petstore"]);
        var petstore = all.Single(c => (string)c["id"]! == "petstore");
        var create = petstore["actions"]!.Single(a => (string)a["name"]! == "createPetWithPromise");
        create["title"]!.ToString().Should().Be("Create a Pet With Promise");
        create["inFields"]!.Select(f => (string)f["name"]!).Should().Contain(["name", "status"]);
        petstore["credentialFields"]!.Should().Contain(f => (string)f["name"]! == "apiKey" && (bool)f["secret"]!);
        all.Single(c => (string)c["id"]! == "webhook")["triggers"]!.Should().Contain(t => (string)t["name"]! == "receive");

        var found = (JArray)(await _app.SendAsync(HttpMethod.Get, "/api/components?search=with%20promise"))["items"]!;
        found.Select(c => (string)c["id"]!).Should().Equal("petstore");
        found[0]!["actions"]!.Select(a => (string)a["name"]!).Should().Contain("createPetWithPromise").And.NotContain("getPetById");
        ((JArray)(await _app.SendAsync(HttpMethod.Get, "/api/components?search=nothing-like-this"))["items"]!).Should().BeEmpty();
        (await _app.SendAsync(HttpMethod.Get, "/api/components?search=" + new string('x', 201), expectedStatus: 400))["detail"]!.ToString().Should().Contain("search");
    }

    [Test]
    public async Task A_flow_is_renamed_and_a_stopped_one_deleted_while_a_running_one_is_refused()
    {
        var (flowId, _, _) = await CreateFlowAsync();

        var renamed = await _app.SendAsync(HttpMethod.Patch, $"/api/flows/{flowId}", new JObject { ["name"] = "  Pets from the shop " });
        renamed["name"]!.ToString().Should().Be("Pets from the shop");
        (await _app.SendAsync(HttpMethod.Patch, $"/api/flows/{flowId}", new JObject { ["name"] = " " }, 400))["errors"]![0]!["field"]!.ToString().Should().Be("name");
        (await _app.SendAsync(HttpMethod.Patch, $"/api/flows/{flowId}", new JObject(), 400))["detail"]!.ToString().Should().Contain("'name'");
        await _app.SendAsync(HttpMethod.Patch, "/api/flows/nope", new JObject { ["name"] = "x" }, 404);

        (await _app.SendAsync(HttpMethod.Delete, $"/api/flows/{flowId}", expectedStatus: 409))["detail"]!.ToString().Should().Contain("stop it");
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{flowId}/stop");
        await _app.SendAsync(HttpMethod.Delete, $"/api/flows/{flowId}", expectedStatus: 204);
        await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}", expectedStatus: 404);
        await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/versions/1", expectedStatus: 404);
        await _app.SendAsync(HttpMethod.Delete, $"/api/flows/{flowId}", expectedStatus: 404);
    }

    [Test]
    public async Task A_credential_in_use_is_not_deleted_and_the_answer_names_the_flow()
    {
        var (flowId, hook, _) = await CreateFlowAsync(start: false);
        var unused = (string)(await _app.SendAsync(HttpMethod.Post, "/api/credentials",
            JObject.Parse("""{"name": "Spare", "componentId": "webhook", "fields": {"type": "none"}}"""), 201))["id"]!;

        var conflict = await _app.SendAsync(HttpMethod.Delete, $"/api/credentials/{hook}", expectedStatus: 409);
        conflict["detail"]!.ToString().Should().Contain("'Pets'").And.Contain(flowId);
        conflict["flows"]!.Select(f => (string)f!).Should().Equal(flowId);

        await _app.SendAsync(HttpMethod.Delete, $"/api/credentials/{unused}", expectedStatus: 204);
        await _app.SendAsync(HttpMethod.Get, $"/api/credentials/{unused}", expectedStatus: 404);
        await _app.SendAsync(HttpMethod.Delete, $"/api/credentials/{unused}", expectedStatus: 404);

        await _app.SendAsync(HttpMethod.Delete, $"/api/flows/{flowId}", expectedStatus: 204);
        await _app.SendAsync(HttpMethod.Delete, $"/api/credentials/{hook}", expectedStatus: 204);
    }

    [Test]
    public async Task Executions_are_counted_by_status_and_hour()
    {
        var (flowId, _, _) = await CreateFlowAsync();
        foreach (var status in new[] { "sold", "available", "lost" })
        {
            using var response = await _app.Client.PostAsync($"/hook/{flowId}", PetstoreAppFixture.Json(new JObject { ["petname"] = "Gromit", ["petstatus"] = status }));
            response.StatusCode.Should().Be(HttpStatusCode.OK);
        }

        var deadline = DateTime.UtcNow.AddSeconds(30);
        JObject counts;
        while (true)
        {
            counts = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/counts");
            if ((int)counts["totals"]!["succeeded"]! + (int)counts["totals"]!["failed"]! == 3 || DateTime.UtcNow > deadline)
            {
                break;
            }

            await Task.Delay(50);
        }

        counts["totals"]!["succeeded"]!.Value<int>().Should().Be(2);
        counts["totals"]!["failed"]!.Value<int>().Should().Be(1);
        counts["bucketMinutes"]!.Value<int>().Should().Be(60);
        var buckets = (JArray)counts["buckets"]!;
        buckets.Should().NotBeEmpty();
        buckets.Sum(b => (int?)b["succeeded"] ?? 0).Should().Be(2);
        DateTimeOffset.Parse((string)counts["to"]!).Should().BeCloseTo(DateTimeOffset.UtcNow, TimeSpan.FromMinutes(1));

        var past = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/counts?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z");
        past["totals"]!["succeeded"]!.Value<int>().Should().Be(0);
        (await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/counts?bucketMinutes=1&from=2020-01-01T00:00:00Z", expectedStatus: 400))["detail"]!.ToString().Should().Contain("1000 buckets");
        (await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/counts?from=soon", expectedStatus: 400))["detail"]!.ToString().Should().Contain("from");
        await _app.SendAsync(HttpMethod.Get, "/api/flows/nope/counts", expectedStatus: 404);
    }

    [Test]
    public async Task Refused_requests_are_kept_with_reason_and_masked_headers_and_no_body()
    {
        var (flowId, _, _) = await CreateFlowAsync("""{"type": "apiKey", "headerName": "x-partner", "headerValue": "partner-secret"}""");

        using (var wrongKey = new HttpRequestMessage(HttpMethod.Post, $"/hook/{flowId}") { Content = PetstoreAppFixture.Json("""{"petname": "Gromit"}""") })
        {
            wrongKey.Headers.Add("x-partner", "guess");
            wrongKey.Headers.Add("Authorization", "Bearer not-for-your-eyes");
            wrongKey.Headers.Add("x-trace", "trace-1");
            using var response = await _app.Client.SendAsync(wrongKey);
            response.StatusCode.Should().Be(HttpStatusCode.Unauthorized);
        }

        using (var xml = new HttpRequestMessage(HttpMethod.Post, $"/hook/{flowId}") { Content = PetstoreAppFixture.Json("petname=Gromit", "text/plain") })
        {
            xml.Headers.Add("x-partner", "partner-secret");
            using var response = await _app.Client.SendAsync(xml);
            response.StatusCode.Should().Be(HttpStatusCode.UnsupportedMediaType);
        }

        using (var unknown = await _app.Client.PostAsync("/hook/no-such-flow", PetstoreAppFixture.Json("{}")))
        {
            unknown.StatusCode.Should().Be(HttpStatusCode.NotFound);
        }

        var refused = await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/refused");
        refused["maxPerFlow"]!.Value<int>().Should().Be(50);
        var items = (JArray)refused["items"]!;
        items.Should().HaveCount(2);
        items[0]!["status"]!.Value<int>().Should().Be(415);
        items[0]!["bodySize"]!.Value<long>().Should().Be("petname=Gromit".Length);
        items[0]!["contentType"]!.ToString().Should().StartWith("text/plain");
        items[1]!["status"]!.Value<int>().Should().Be(401);
        items[1]!["reason"]!.ToString().Should().Be("Unauthorized");
        items[1]!["detail"]!.ToString().Should().NotBeNullOrEmpty();
        items[1]!["headers"]!["x-partner"]!.ToString().Should().Be("***");
        items[1]!["headers"]!["authorization"]!.ToString().Should().Be("***");
        items[1]!["headers"]!["x-trace"]!.ToString().Should().Be("trace-1");
        items.ToString().Should().NotContain("guess").And.NotContain("not-for-your-eyes").And.NotContain("Gromit");

        ((JArray)(await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/refused?limit=1"))["items"]!).Should().HaveCount(1);
        await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/refused?limit=0", expectedStatus: 400);
        await _app.SendAsync(HttpMethod.Get, "/api/flows/no-such-flow/refused", expectedStatus: 404);
    }
}
