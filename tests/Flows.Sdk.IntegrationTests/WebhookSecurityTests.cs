using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>The hook as an open door on the internet: every credential type and preset, limits, media types, over Kestrel.</summary>
public sealed class WebhookSecurityTests
{
    private const string Body = """{"petname": "Gromit", "petstatus": "sold"}""";
    private PetstoreAppFixture _app = null!;

    [SetUp]
    public async Task SetUp() => _app = await PetstoreAppFixture.StartAsync();

    [TearDown]
    public async Task TearDown() => await _app.DisposeAsync();

    private async Task<string> LiveFlowAsync(JObject? webhookFields, JObject? configuration = null)
    {
        var trigger = new JObject { ["id"] = "step_1", ["componentId"] = "webhook", ["function"] = "receive" };
        if (webhookFields is not null)
        {
            var credential = await _app.SendAsync(HttpMethod.Post, "/api/credentials",
                new JObject { ["name"] = "hook", ["componentId"] = "webhook", ["fields"] = webhookFields }, 201);
            trigger["credentialId"] = credential["id"];
        }

        if (configuration is not null)
        {
            trigger["configuration"] = configuration;
        }

        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", new JObject { ["name"] = "secure", ["steps"] = new JArray(trigger) }, 201);
        var id = flow["id"]!.ToString();
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/publish");
        await _app.SendAsync(HttpMethod.Post, $"/api/flows/{id}/start");
        return id;
    }

    private async Task<HttpResponseMessage> PostAsync(string flowId, string body, params (string Name, string Value)[] headers)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, $"/hook/{flowId}") { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        foreach (var (name, value) in headers)
        {
            request.Headers.TryAddWithoutValidation(name, value);
        }

        return await _app.Client.SendAsync(request);
    }

    private static async Task<JObject> ProblemAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        response.StatusCode.Should().Be(status, await response.Content.ReadAsStringAsync());
        response.Content.Headers.ContentType!.MediaType.Should().Be("application/problem+json");
        return JObject.Parse(await response.Content.ReadAsStringAsync());
    }

    private static string Hex(byte[] bytes) => Convert.ToHexString(bytes).ToLowerInvariant();

    private static long Now => DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    private async Task<JArray> ExecutionsAsync(string flowId) =>
        (JArray)(await _app.SendAsync(HttpMethod.Get, $"/api/flows/{flowId}/executions"))["items"]!;

    /// <summary>Waits until the flow's run log holds <paramref name="count"/> finished executions (10 s at most).</summary>
    private async Task<JArray> WaitForFinishedExecutionsAsync(string flowId, int count)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        JArray items;
        do
        {
            items = await ExecutionsAsync(flowId);
            if (items.Count(i => i["status"]!.ToString() is "succeeded" or "failed") >= count)
            {
                return items;
            }

            await Task.Delay(20);
        }
        while (DateTime.UtcNow < deadline);

        throw new TimeoutException($"Flow {flowId} has {items.Count} executions, not {count} finished ones: {items}");
    }

    [Test]
    public async Task Api_key_missing_or_wrong_is_401_and_the_key_is_redacted_from_the_message()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "apiKey", "headerName": "x-api-key", "headerValue": "k3y-value"}"""));

        using var missing = await PostAsync(flowId, Body);
        using var wrong = await PostAsync(flowId, Body, ("x-api-key", "nope"));
        using var right = await PostAsync(flowId, Body, ("x-api-key", "k3y-value"));

        await ProblemAsync(missing, HttpStatusCode.Unauthorized);
        await ProblemAsync(wrong, HttpStatusCode.Unauthorized);
        right.StatusCode.Should().Be(HttpStatusCode.OK);
        var execution = await _app.SendAsync(HttpMethod.Get, $"/api/executions/{(await WaitForFinishedExecutionsAsync(flowId, 1))[0]!["id"]}");
        execution["steps"]![0]!["output"]!["_headers"]!["x-api-key"]!.ToString().Should().Be("***");
    }

    [TestCase("x api key", "k")]
    [TestCase("x-api-key", "bad value!")]
    public async Task Api_key_credentials_with_forbidden_characters_are_refused_when_saved(string headerName, string headerValue)
    {
        using var response = await _app.Api.PostAsync("/api/credentials", PetstoreAppFixture.Json(new JObject
        {
            ["name"] = "k", ["componentId"] = "webhook",
            ["fields"] = new JObject { ["type"] = "apiKey", ["headerName"] = headerName, ["headerValue"] = headerValue },
        }));

        var problem = await ProblemAsync(response, HttpStatusCode.BadRequest);
        problem.ToString().Should().NotContain(headerValue == "k" ? "\"k\"" : headerValue);
    }

    [Test]
    public async Task Plain_hmac_verifies_the_raw_body_and_names_the_header_when_the_signature_is_missing()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "hmac", "secret": "s3cret"}"""));
        var signature = Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes("s3cret"), Encoding.UTF8.GetBytes(Body)));

        using var missing = await PostAsync(flowId, Body);
        using var wrong = await PostAsync(flowId, Body, ("x-eio-signature", new string('0', 64)));
        using var tampered = await PostAsync(flowId, Body.Replace("sold", "free"), ("x-eio-signature", signature));
        using var right = await PostAsync(flowId, Body, ("x-eio-signature", signature));

        (await ProblemAsync(missing, HttpStatusCode.BadRequest))["detail"]!.ToString()
            .Should().Be("The request is expected to be signed. Please send the signature using the x-eio-signature HTTP header");
        await ProblemAsync(wrong, HttpStatusCode.Unauthorized);
        await ProblemAsync(tampered, HttpStatusCode.Unauthorized);
        right.StatusCode.Should().Be(HttpStatusCode.OK);
    }

    [Test]
    public async Task Github_signatures_are_checked()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "hmac", "preset": "github", "secret": "It's a Secret to Everybody"}"""));
        var signature = "sha256=" + Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes("It's a Secret to Everybody"), Encoding.UTF8.GetBytes(Body)));

        using var right = await PostAsync(flowId, Body, ("X-Hub-Signature-256", signature));
        using var wrong = await PostAsync(flowId, Body, ("X-Hub-Signature-256", "sha256=" + new string('a', 64)));

        right.StatusCode.Should().Be(HttpStatusCode.OK);
        await ProblemAsync(wrong, HttpStatusCode.Unauthorized);
    }

    [Test]
    public async Task Stripe_signatures_are_checked_with_their_timestamp_tolerance()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "hmac", "preset": "stripe", "secret": "whsec_test"}"""));
        string Sign(long t) => $"t={t},v1=" + Hex(HMACSHA256.HashData(Encoding.UTF8.GetBytes("whsec_test"), Encoding.UTF8.GetBytes($"{t}.{Body}")));

        using var fresh = await PostAsync(flowId, Body, ("Stripe-Signature", Sign(Now)));
        using var stale = await PostAsync(flowId, Body, ("Stripe-Signature", Sign(Now - 400)));
        using var malformed = await PostAsync(flowId, Body, ("Stripe-Signature", "v1=abc"));

        fresh.StatusCode.Should().Be(HttpStatusCode.OK);
        await ProblemAsync(stale, HttpStatusCode.Unauthorized);
        await ProblemAsync(malformed, HttpStatusCode.BadRequest);
    }

    [Test]
    public async Task Standard_webhooks_signatures_are_checked_and_a_replayed_message_is_acknowledged_but_not_run_again()
    {
        var key = RandomNumberGenerator.GetBytes(24);
        var flowId = await LiveFlowAsync(new JObject { ["type"] = "hmac", ["preset"] = "standard-webhooks", ["secret"] = "whsec_" + Convert.ToBase64String(key) });
        var timestamp = Now.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes($"msg_1.{timestamp}.{Body}")));

        using var first = await PostAsync(flowId, Body, ("webhook-id", "msg_1"), ("webhook-timestamp", timestamp), ("webhook-signature", "v0,ignored " + signature));
        using var replay = await PostAsync(flowId, Body, ("webhook-id", "msg_1"), ("webhook-timestamp", timestamp), ("webhook-signature", signature));
        using var forged = await PostAsync(flowId, Body, ("webhook-id", "msg_2"), ("webhook-timestamp", timestamp), ("webhook-signature", signature));

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        replay.StatusCode.Should().Be(HttpStatusCode.OK);
        var firstId = JObject.Parse(await first.Content.ReadAsStringAsync())["requestId"]!.ToString();
        JObject.Parse(await replay.Content.ReadAsStringAsync())["requestId"]!.ToString().Should().Be(firstId);
        await ProblemAsync(forged, HttpStatusCode.Unauthorized);
        var replayExecution = replay.Headers.TryGetValues("x-execution-id", out var ids) ? ids.Single() : null;
        replayExecution.Should().BeOneOf([null, first.Headers.GetValues("x-execution-id").Single()], "a replay is not queued as a new execution");
        (await WaitForFinishedExecutionsAsync(flowId, 1)).Should().ContainSingle().Which["requestId"]!.ToString().Should().Be(firstId);
    }

    [Test]
    public async Task Shopify_signatures_are_checked()
    {
        var flowId = await LiveFlowAsync(JObject.Parse("""{"type": "hmac", "preset": "shopify", "secret": "shpss_secret"}"""));
        var signature = Convert.ToBase64String(HMACSHA256.HashData(Encoding.UTF8.GetBytes("shpss_secret"), Encoding.UTF8.GetBytes(Body)));

        using var right = await PostAsync(flowId, Body, ("X-Shopify-Hmac-SHA256", signature));
        using var wrong = await PostAsync(flowId, Body, ("X-Shopify-Hmac-SHA256", Convert.ToBase64String(new byte[32])));

        right.StatusCode.Should().Be(HttpStatusCode.OK);
        await ProblemAsync(wrong, HttpStatusCode.Unauthorized);
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_streamed_body_over_the_flows_limit_is_a_413_before_it_ends(CancellationToken cancellationToken)
    {
        var flowId = await LiveFlowAsync(null, JObject.Parse("""{"maxBodySize": 4096}"""));
        var address = _app.Client.BaseAddress!;

        // A raw connection, so that the answer is read while the body is still being sent: an HttpClient may see only the
        // connection closing under its upload. The body is chunked and never ends by itself.
        using var tcp = new System.Net.Sockets.TcpClient();
        await tcp.ConnectAsync(address.Host, address.Port, cancellationToken);
        var stream = tcp.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(
            $"POST /hook/{flowId} HTTP/1.1\r\nHost: {address.Authority}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"),
            cancellationToken);
        using var stopSending = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var chunk = Encoding.ASCII.GetBytes("400\r\n" + new string('x', 1024) + "\r\n");
        var sent = 0L;
        var sending = Task.Run(async () =>
        {
            try
            {
                await stream.WriteAsync(Encoding.ASCII.GetBytes("7\r\n{\"a\": \"\r\n"), stopSending.Token);
                while (!stopSending.IsCancellationRequested && sent < 64L * 1024 * 1024)
                {
                    await stream.WriteAsync(chunk, stopSending.Token);
                    sent += 1024;
                }
            }
            catch (Exception e) when (e is IOException or OperationCanceledException or ObjectDisposedException)
            {
                // the server closed the connection after its answer, or the test has its answer
            }
        }, CancellationToken.None);

        var received = new StringBuilder();
        var buffer = new byte[4096];
        while (!received.ToString().Contains("\r\n\r\n", StringComparison.Ordinal))
        {
            var read = await stream.ReadAsync(buffer, cancellationToken);
            read.Should().BePositive("the server must answer before it closes the connection; received so far: " + received);
            received.Append(Encoding.ASCII.GetString(buffer, 0, read));
        }

        await stopSending.CancelAsync();
        await sending;
        received.ToString().Should().StartWith("HTTP/1.1 413 ");
        received.ToString().Should().MatchRegex("(?im)^content-type: application/problem\\+json");
        sent.Should().BeLessThan(64L * 1024 * 1024, "the answer came before the body ended");

        (await ExecutionsAsync(flowId)).Should().BeEmpty();
        using var small = await PostAsync(flowId, Body);
        small.StatusCode.Should().Be(HttpStatusCode.OK, "the limit is the flow's, not a broken hook");
    }

    [Test]
    public async Task Media_types_depth_and_entities_are_policed()
    {
        var flowId = await LiveFlowAsync(null);
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 65)) + "1" + new string('}', 65);
        const string xxe = """<?xml version="1.0"?><!DOCTYPE pet [<!ENTITY x SYSTEM "file:///etc/passwd">]><pet>&x;</pet>""";

        using var text = await _app.Client.PostAsync($"/hook/{flowId}", new StringContent("hi", Encoding.UTF8, "text/plain"));
        using var tooDeep = await PostAsync(flowId, deep);
        using var entity = await _app.Client.PostAsync($"/hook/{flowId}", new StringContent(xxe, Encoding.UTF8, "application/xml"));
        using var xml = await _app.Client.PostAsync($"/hook/{flowId}", new StringContent("<pet><name>Gromit</name></pet>", Encoding.UTF8, "text/xml"));
        using var vendorJson = await _app.Client.PostAsync($"/hook/{flowId}", new StringContent(Body, Encoding.UTF8, "application/vnd.pets+json"));
        using var form = await _app.Client.PostAsync($"/hook/{flowId}", new FormUrlEncodedContent([new("petname", "Gromit"), new("tag", "a"), new("tag", "b")]));
        using var head = await _app.Client.SendAsync(new HttpRequestMessage(HttpMethod.Head, $"/hook/{flowId}"));

        await ProblemAsync(text, HttpStatusCode.UnsupportedMediaType);
        (await ProblemAsync(tooDeep, HttpStatusCode.BadRequest))["detail"]!.ToString().Should().Contain("deeper than 64");
        (await ProblemAsync(entity, HttpStatusCode.BadRequest))["detail"]!.ToString().Should().Contain("DTD");
        xml.StatusCode.Should().Be(HttpStatusCode.OK);
        vendorJson.StatusCode.Should().Be(HttpStatusCode.OK);
        form.StatusCode.Should().Be(HttpStatusCode.OK);
        head.StatusCode.Should().Be(HttpStatusCode.MethodNotAllowed);
        head.Content.Headers.Allow.Should().BeEquivalentTo("GET", "POST");

        var outputs = new List<JToken>();
        foreach (var item in await WaitForFinishedExecutionsAsync(flowId, 3))
        {
            outputs.Add((await _app.SendAsync(HttpMethod.Get, $"/api/executions/{item["id"]}"))["steps"]![0]!["output"]!);
        }

        outputs.Should().Contain(o => o["pet"] != null && o["pet"]!["name"]!.ToString() == "Gromit");
        outputs.Should().Contain(o => o["tag"] is JArray && o["petname"]!.ToString() == "Gromit");
    }

    [Test]
    public async Task A_flow_over_its_rate_limit_gets_429_with_retry_after()
    {
        var flowId = await LiveFlowAsync(null, JObject.Parse("""{"rateLimit": {"permitLimit": 2, "windowSeconds": 60}}"""));

        using var first = await PostAsync(flowId, Body);
        using var second = await PostAsync(flowId, Body);
        using var third = await PostAsync(flowId, Body);

        first.StatusCode.Should().Be(HttpStatusCode.OK);
        second.StatusCode.Should().Be(HttpStatusCode.OK);
        await ProblemAsync(third, HttpStatusCode.TooManyRequests);
        third.Headers.RetryAfter!.Delta!.Value.TotalSeconds.Should().BeInRange(1, 60);
    }

    [Test]
    public async Task Invalid_hook_settings_are_refused_at_publish()
    {
        var flow = await _app.SendAsync(HttpMethod.Post, "/api/flows", JObject.Parse("""
            {"name": "bad settings", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive",
             "configuration": {"maxBodySize": -5, "rateLimit": {"permitLimit": 0, "windowSeconds": 60}}}]}
            """), 201);

        using var publish = await _app.Api.PostAsync($"/api/flows/{flow["id"]}/publish", null);

        var problem = await ProblemAsync(publish, (HttpStatusCode)422);
        problem["errors"]!.Select(e => e["field"]!.ToString()).Should().Contain(["configuration.maxBodySize", "configuration.rateLimit.permitLimit"]);
    }
}
