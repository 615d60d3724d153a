using Flows.Sdk.Execution;
using System.Text;
using Flows.Sdk.Tests.Support;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Hooks;

public sealed class WebhookReceiverTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost(o => { o.MaxBodySize = 1024; o.QueueCapacity = 2; });

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    [Test]
    public async Task A_json_post_is_accepted_and_queued_with_the_request_metadata()
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: """{"petname": "Gromit"}""",
            headers: new Dictionary<string, string> { ["X-Custom"] = "yes", ["Authorization"] = "Bearer very-secret" },
            query: new Dictionary<string, string> { ["source"] = "test" }, additionalPath: "extra/path"));

        response.StatusCode.Should().Be(200);
        response.Body!["message"]!.ToString().Should().Be("thank you");
        var message = await _host.DequeueAsync();
        message.RequestId.Should().Be(response.Body!["requestId"]!.ToString());
        message.FlowVersion.Should().Be(1);
        message.Request.Should().NotBeNull();
        var output = TriggerOutput.Compose(message.Body, message.Request).ToObject();
        output["petname"]!.ToString().Should().Be("Gromit");
        output["_method"]!.ToString().Should().Be("POST");
        output["_query"]!["source"]!.ToString().Should().Be("test");
        output["_headers"]!["x-custom"]!.ToString().Should().Be("yes");
        output["_headers"]!["authorization"]!.ToString().Should().Be("***");
        output["_url"]!.ToString().Should().Be($"http://127.0.0.1/hook/{flow.Id}");
        output["_additionalUrlPath"]!.ToString().Should().Be("extra/path");
    }

    [Test]
    public async Task A_get_request_makes_its_query_the_body()
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, "GET", query: new Dictionary<string, string> { ["petname"] = "Gromit" }));

        response.StatusCode.Should().Be(200);
        (await _host.DequeueAsync()).Body.ToObject()["petname"]!.ToString().Should().Be("Gromit");
    }

    [Test]
    public async Task Unknown_and_stopped_flows_get_the_same_404()
    {
        var flow = await _host.LiveFlowAsync(null);
        await _host.Flows.StopAsync(flow.Id);

        var stopped = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"));
        var unknown = await _host.Receiver.ReceiveAsync(TestHost.Request("no-such-flow", body: "{}"));

        stopped.StatusCode.Should().Be(404);
        stopped.IsProblem.Should().BeTrue();
        stopped.Body!.ToString().Should().Be(unknown.Body!.ToString());
    }

    [Test]
    public async Task A_published_but_never_started_flow_does_not_accept_requests()
    {
        var flow = await _host.Flows.CreateAsync(new("draft", [TestHost.Trigger()]));
        await _host.Flows.PublishAsync(flow.Id);

        (await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(404);
    }

    [TestCase(null, "expected to carry credentials")]
    [TestCase("Bearer abc", "not valid")]
    [TestCase("Basic !!!", "not valid")]
    [TestCase("Basic dXNlcjp3cm9uZw==", "not valid")]
    [TestCase("Basic dXNlcg==", "not valid")]
    public async Task Basic_auth_refuses_missing_or_wrong_credentials_with_401_and_a_challenge(string? authorization, string detail)
    {
        var credential = await _host.Credentials.CreateAsync("basic", "webhook", new JObject { ["type"] = "basic", ["username"] = "user", ["password"] = "pass" });
        var flow = await _host.LiveFlowAsync(credential.Id);
        var headers = authorization is null ? null : new Dictionary<string, string> { ["Authorization"] = authorization };

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}", headers: headers));

        response.StatusCode.Should().Be(401);
        response.IsProblem.Should().BeTrue();
        response.Headers["WWW-Authenticate"].Should().StartWith("Basic realm=");
        response.Body!["detail"]!.ToString().Should().Contain(detail);
        response.Body!.ToString().Should().NotContain("pass");
        _host.Queue.Count.Should().Be(0);
    }

    [Test]
    public async Task Basic_auth_accepts_the_right_credentials()
    {
        var credential = await _host.Credentials.CreateAsync("basic", "webhook", new JObject { ["type"] = "basic", ["username"] = "user", ["password"] = "pa:ss" });
        var flow = await _host.LiveFlowAsync(credential.Id);
        var header = "Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("user:pa:ss"));

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}", headers: new Dictionary<string, string> { ["Authorization"] = header }));

        response.StatusCode.Should().Be(200);
    }

    [Test]
    public async Task Malformed_json_is_a_400_naming_line_and_position()
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{\n  \"a\": tru }"));

        response.StatusCode.Should().Be(400);
        response.IsProblem.Should().BeTrue();
        response.Body!["detail"]!.ToString().Should().Contain("line 2");
    }

    [TestCase("[1, 2]", "an array")]
    [TestCase("\"text\"", "a string")]
    [TestCase("{} {}", "line 1, position 3")]
    public async Task A_body_that_is_not_one_json_object_is_a_400(string body, string detail)
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: body));

        response.StatusCode.Should().Be(400);
        response.Body!["detail"]!.ToString().Should().Contain(detail);
    }

    [Test]
    public async Task A_body_nested_deeper_than_the_limit_is_a_400()
    {
        var flow = await _host.LiveFlowAsync(null);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 70)) + "1" + new string('}', 70);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: deep));

        response.StatusCode.Should().Be(400);
        response.Body!["detail"]!.ToString().Should().Contain("deeper than 64");
    }

    [Test]
    public async Task A_body_over_the_limit_is_a_413_even_without_a_content_length()
    {
        var flow = await _host.LiveFlowAsync(null);
        var request = TestHost.Request(flow.Id, body: "{\"a\": \"" + new string('x', 2000) + "\"}", sendContentLength: false);

        var response = await _host.Receiver.ReceiveAsync(request);

        response.StatusCode.Should().Be(413);
        response.IsProblem.Should().BeTrue();
    }

    [Test]
    public async Task An_unsupported_media_type_is_a_415()
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "a=b", contentType: "text/plain"));

        response.StatusCode.Should().Be(415);
    }

    [TestCase("PUT")]
    [TestCase("HEAD")]
    [TestCase("DELETE")]
    public async Task Other_methods_are_a_405_with_allow(string method)
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, method, body: "{}"));

        response.StatusCode.Should().Be(405);
        response.Headers["Allow"].Should().Be("GET, POST");
    }

    [Test]
    public async Task A_full_queue_is_a_503_with_retry_after_and_nothing_is_lost()
    {
        var flow = await _host.LiveFlowAsync(null);

        var first = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{\"n\": 1}"));
        var second = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{\"n\": 2}"));
        var third = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{\"n\": 3}"));

        first.StatusCode.Should().Be(200);
        second.StatusCode.Should().Be(200);
        third.StatusCode.Should().Be(503);
        third.Headers.Should().ContainKey("Retry-After");
        _host.Queue.Count.Should().Be(2);
    }

    [Test]
    public async Task A_body_that_is_not_utf8_is_a_400()
    {
        var flow = await _host.LiveFlowAsync(null);
        var pipe = new System.IO.Pipelines.Pipe();
        await pipe.Writer.WriteAsync(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D });
        await pipe.Writer.CompleteAsync();
        var request = TestHost.Request(flow.Id, body: "{}");

        var response = await _host.Receiver.ReceiveAsync(new global::Flows.Sdk.Hooks.WebhookRequest
        {
            Method = "POST", FlowId = flow.Id, Headers = request.Headers, ContentType = "application/json", Body = pipe.Reader,
        });

        response.StatusCode.Should().Be(400);
        response.Body!["detail"]!.ToString().Should().Contain("UTF-8");
    }
}
