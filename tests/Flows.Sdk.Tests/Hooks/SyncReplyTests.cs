using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Flows.Sdk.Tests.Support;

namespace Flows.Sdk.Tests.Hooks;

public sealed class SyncReplyTests
{
    private TestHost _host = null!;

    [SetUp]
    public void SetUp() => _host = new TestHost();

    [TearDown]
    public async Task TearDown() => await _host.DisposeAsync();

    private static StepDefinition Reply(params (string Field, string Expression)[] mapping) =>
        TestHost.Action("reply", "httpReply", null, mapping) with { ComponentId = "reply" };

    [Test]
    public async Task A_flow_with_a_reply_step_answers_the_hook_with_the_reply()
    {
        var flow = await _host.LiveFlowAsync(null, Reply(("statusCode", "201"), ("responseBody", "petname"), ("headers", "replyHeaders")));

        var hook = _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: """{"petname": "Gromit", "replyHeaders": {"x-pet": "dog"}}""")).AsTask();
        var message = await _host.DequeueAsync();
        hook.IsCompleted.Should().BeFalse("the hook waits for the reply");
        var execution = await _host.Runner.RunAsync(message, CancellationToken.None);
        var response = await hook.WaitAsync(TimeSpan.FromSeconds(5));

        response.StatusCode.Should().Be(201);
        response.ContentType.Should().Be("application/json");
        response.Content.Should().Be("\"Gromit\"");
        response.Headers["x-pet"].Should().Be("dog");
        response.Headers[WebhookResponse.ExecutionIdHeader].Should().Be(execution.Id);
        execution.Status.Should().Be(ExecutionStatus.Succeeded);
    }

    [Test]
    public async Task A_text_reply_is_sent_as_it_is()
    {
        var flow = await _host.LiveFlowAsync(null, Reply(("contentType", "'text/plain'"), ("responseBody", "'pong'")));

        var hook = _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}")).AsTask();
        await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);
        var response = await hook.WaitAsync(TimeSpan.FromSeconds(5));

        response.StatusCode.Should().Be(200);
        response.ContentType.Should().Be("text/plain");
        response.Content.Should().Be("pong");
    }

    [Test]
    public async Task A_flow_that_fails_before_its_reply_answers_502()
    {
        var credential = await _host.TestCredentialAsync();
        var flow = await _host.LiveFlowAsync(null, TestHost.Action("boom", "fail", credential, ("value", "'x'")), Reply(("responseBody", "'never'")));

        var hook = _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}")).AsTask();
        await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);
        var response = await hook.WaitAsync(TimeSpan.FromSeconds(5));

        response.StatusCode.Should().Be(502);
        response.IsProblem.Should().BeTrue();
        response.Body!["detail"]!.ToString().Should().Contain("failed before it replied").And.Contain("cannot handle 'x'");
        response.Headers.Should().ContainKey(WebhookResponse.ExecutionIdHeader);
    }

    [Test]
    public async Task A_reply_that_does_not_come_within_the_timeout_is_a_504()
    {
        var flow = await _host.LiveFlowAsync(null, Reply(("responseBody", "'late'")));

        var hook = _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}")).AsTask();
        await _host.DequeueAsync();
        _host.Time.Advance(TimeSpan.FromSeconds(29));
        await Task.Delay(50);
        hook.IsCompleted.Should().BeFalse();
        _host.Time.Advance(TimeSpan.FromSeconds(1));
        var response = await hook.WaitAsync(TimeSpan.FromSeconds(5));

        response.StatusCode.Should().Be(504);
        response.IsProblem.Should().BeTrue();
    }

    [Test]
    public async Task Every_accepted_hook_response_names_its_execution()
    {
        var flow = await _host.LiveFlowAsync(null);

        var response = await _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"));

        response.Headers[WebhookResponse.ExecutionIdHeader].Should().Be((await _host.DequeueAsync()).ExecutionId);
    }

    [TestCase("statusCode", "'abc'", "'statusCode' must be an integer")]
    [TestCase("statusCode", "99", "from 100 to 599")]
    [TestCase("headers", "bad", "cannot set the header 'content-length'")]
    public async Task An_invalid_reply_fails_the_step_and_the_hook_gets_502(string field, string expression, string message)
    {
        var flow = await _host.LiveFlowAsync(null, Reply((field, expression)));

        var hook = _host.Receiver.ReceiveAsync(TestHost.Request(flow.Id, body: """{"bad": {"content-length": "1"}}""")).AsTask();
        var execution = await _host.Runner.RunAsync(await _host.DequeueAsync(), CancellationToken.None);
        var response = await hook.WaitAsync(TimeSpan.FromSeconds(5));

        execution.Steps[^1].Error!.Message.Should().Contain(message);
        response.StatusCode.Should().Be(502);
    }
}
