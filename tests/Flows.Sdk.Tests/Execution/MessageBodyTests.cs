using System.Buffers;
using System.Text;
using System.Text.Json;
using Flows.Sdk.Execution;
using Microsoft.Extensions.Primitives;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

/// <summary>The message body as bytes, the trigger's output written from it, and the queued message's wire form.</summary>
[CancelAfter(10_000)]
public sealed class MessageBodyTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);

    [Test]
    public void A_body_round_trips_through_bytes_and_a_tree()
    {
        var body = MessageBody.FromUtf8("""{"petname": "Grömit", "born": "2020-01-01T00:00:00Z", "n": 1.5, "tags": [1, {"a": null}]}"""u8);

        var tree = body.ToObject();

        tree["petname"]!.Value<string>().Should().Be("Grömit");
        tree["born"]!.Type.Should().Be(JTokenType.String, "dates stay strings");
        tree["n"]!.Value<double>().Should().Be(1.5);
        MessageBody.FromObject(tree).ToObject().Should().BeEquivalentTo(tree);
        body.ToObject().Should().NotBeSameAs(tree, "each parse is a fresh tree");
    }

    [TestCase("[1]", "must be a JSON object, but it is an array")]
    [TestCase("{\"a\": tru}", "is not valid JSON")]
    [TestCase("{} {}", "unexpected content after the JSON value at line 1, position 3")]
    [TestCase("", "is not valid JSON")]
    public void Bytes_that_are_not_one_object_are_refused_with_what_and_where(string text, string expected)
    {
        var act = () => MessageBody.FromUtf8(Encoding.UTF8.GetBytes(text));

        act.Should().Throw<FormatException>().Which.Message.Should().Contain(expected);
    }

    [Test]
    public void Nesting_beyond_the_limit_is_refused_and_at_the_limit_accepted()
    {
        MessageBody.FromUtf8(Encoding.UTF8.GetBytes("{\"a\":{\"b\":{}}}"), maxDepth: 3).Length.Should().BeGreaterThan(0);
        var act = () => MessageBody.FromUtf8(Encoding.UTF8.GetBytes("{\"a\":{\"b\":{\"c\":{}}}}"), maxDepth: 3);
        act.Should().Throw<FormatException>().Which.Message.Should().Contain("nested deeper than 3 levels (line 1, position 15)");
    }

    [Test]
    public void Invalid_utf8_is_refused()
    {
        var act = () => MessageBody.FromUtf8(new byte[] { 0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC3, 0x28, 0x22, 0x7D });

        act.Should().Throw<FormatException>().Which.Message.Should().Contain("not valid UTF-8");
    }

    [Test]
    public void A_body_with_comments_is_kept_as_plain_json()
    {
        var body = MessageBody.FromUtf8("/* c */ {\"a\": 1 // one\n}"u8);

        body.ToString().Should().Be("{\"a\":1}");
    }

    [Test]
    public void The_trigger_output_puts_the_request_over_the_payload()
    {
        var payload = MessageBody.FromUtf8("""{"petname": "Gromit", "_method": "forged", "na\u006De": "x", "deep": {"_url": 1}}"""u8);
        var request = new TriggerRequest("POST", "http://h/hook/f", "more/path",
            [new("one", "1"), new("many", new StringValues(["a", "b"]))], [new("x-custom", "yes"), new("authorization", "***")]);

        var output = TriggerOutput.Compose(payload, request).ToObject();

        output["petname"]!.Value<string>().Should().Be("Gromit");
        output["name"]!.Value<string>().Should().Be("x");
        output["deep"]!["_url"]!.Value<int>().Should().Be(1);
        output["_method"]!.Value<string>().Should().Be("POST");
        output["_url"]!.Value<string>().Should().Be("http://h/hook/f");
        output["_additionalUrlPath"]!.Value<string>().Should().Be("more/path");
        output["_query"]!["one"]!.Value<string>().Should().Be("1");
        output["_query"]!["many"]!.ToObject<string[]>().Should().Equal("a", "b");
        output["_headers"]!["authorization"]!.Value<string>().Should().Be("***");
        output.Properties().Count(p => p.Name == "_method").Should().Be(1);
    }

    [Test]
    public void Without_a_request_the_trigger_output_is_the_body_itself()
    {
        var payload = MessageBody.FromUtf8("""{"a": 1}"""u8);

        TriggerOutput.Compose(payload, null).Should().BeSameAs(payload);
    }

    [Test]
    public void The_wire_form_embeds_the_body_raw_and_round_trips_every_member()
    {
        var body = MessageBody.FromUtf8("""{"petname":"Gromit","n":12345678901234567890}"""u8);
        var message = new QueuedMessage("m", "r", "e", "f", 3, body, T0)
        {
            Request = new TriggerRequest("POST", "http://h/hook/f?x=1", "", [new("x", "1"), new("y", new StringValues(["2", "3"]))], [new("h", "v")]),
            ResumeStepId = "step_2",
            StepOutputs = new JObject { ["step_1"] = new JObject { ["a"] = 1 } },
            Attempt = 2,
            Rebounds = 1,
            NotBefore = T0.AddSeconds(5),
        };

        var bytes = QueuedMessageCodec.Encode(message);
        var read = QueuedMessageCodec.Read(bytes);

        Encoding.UTF8.GetString(bytes).Should().Contain("\"body\":{\"petname\":\"Gromit\",\"n\":12345678901234567890}");
        read.Body.Should().Be(body);
        (read.MessageId, read.RequestId, read.ExecutionId, read.FlowId, read.FlowVersion).Should().Be(("m", "r", "e", "f", 3));
        (read.ResumeStepId, read.Attempt, read.Rebounds).Should().Be(("step_2", 2, 1));
        (read.Request!.Method, read.Request.Url, read.Request.AdditionalPath).Should().Be(("POST", "http://h/hook/f?x=1", ""));
        read.Request.Query.Should().BeEquivalentTo(message.Request.Query);
        read.Request.Headers.Should().BeEquivalentTo(message.Request.Headers);
        read.StepOutputs!.ToString().Should().Be(message.StepOutputs.ToString());
        read.ReceivedAt.Should().Be(T0);
        read.NotBefore.Should().Be(T0.AddSeconds(5));
    }

    [Test]
    public void The_wire_form_writes_into_a_buffer_writer_as_encode_does()
    {
        var message = new QueuedMessage("m", "r", "e", "f", 1, MessageBody.Empty, T0);
        var buffer = new ArrayBufferWriter<byte>();

        QueuedMessageCodec.Write(message, buffer);

        buffer.WrittenSpan.ToArray().Should().Equal(QueuedMessageCodec.Encode(message));
        QueuedMessageCodec.Read(buffer.WrittenMemory).Should().Be(message);
    }

    [TestCase("[]", "it is not a JSON object")]
    [TestCase("{\"v\":2,\"body\":{}}", "version 2 is not known")]
    [TestCase("{\"v\":1,\"messageId\":\"m\",\"body\":{}}", "it has no requestId")]
    [TestCase("{\"v\":1,\"messageId\":\"m\"", "not valid")]
    public void A_bad_wire_form_is_refused_clearly(string text, string expected)
    {
        var act = () => QueuedMessageCodec.Read(Encoding.UTF8.GetBytes(text));

        act.Should().Throw<FormatException>().Which.Message.Should().Contain(expected);
    }

    [Test]
    public void The_body_writes_raw_into_both_json_writers()
    {
        var body = MessageBody.FromUtf8("""{"a":[1,2]}"""u8);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartArray();
            body.WriteTo(writer);
            writer.WriteEndArray();
        }

        var text = new StringWriter();
        using (var json = new Newtonsoft.Json.JsonTextWriter(text))
        {
            json.WriteStartArray();
            body.WriteTo(json);
            json.WriteEndArray();
        }

        Encoding.UTF8.GetString(buffer.WrittenSpan).Should().Be("[{\"a\":[1,2]}]");
        text.ToString().Should().Be("[{\"a\":[1,2]}]");
    }
}
