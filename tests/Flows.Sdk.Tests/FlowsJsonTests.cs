using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests;

/// <summary>The public JSON form of drafts: what <see cref="FlowsJson.Draft"/> writes, <see cref="FlowsJson.ReadDraft"/> reads back.</summary>
public class FlowsJsonTests
{
    [Test]
    public void A_draft_written_in_the_json_form_reads_back_the_same()
    {
        var draft = new FlowDraft("orders",
        [
            new StepDefinition { Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = "c1" },
            new StepDefinition
            {
                Id = "step_2", ComponentId = "petstore", Function = "createPet",
                Mapping = new Dictionary<string, string> { ["name"] = "step_1.petname" },
            },
        ]);
        var errors = new List<FlowValidationError>();

        var json = FlowsJson.Draft(draft);
        var read = FlowsJson.ReadDraft(JObject.Parse(json.ToString()), errors);

        errors.Should().BeEmpty();
        json["steps"]![1]!["componentId"]!.ToString().Should().Be("petstore");
        read!.Name.Should().Be("orders");
        read.Steps.Select(s => (s.Id, s.ComponentId, s.Function, s.CredentialId)).Should().Equal(
            ("step_1", "webhook", "receive", "c1"), ("step_2", "petstore", "createPet", null));
        read.Steps[1].Mapping.Should().BeEquivalentTo(new Dictionary<string, string> { ["name"] = "step_1.petname" });
    }

    [Test]
    public void A_bad_draft_adds_its_errors_by_path_to_the_callers_list()
    {
        var earlier = new FlowValidationError(null, "elsewhere", "an error the caller had already");
        var errors = new List<FlowValidationError> { earlier };

        var read = FlowsJson.ReadDraft(JObject.Parse("""{"name": "x", "steps": [{"id": "a", "componentId": 5}]}"""), errors);

        read.Should().BeNull();
        errors[0].Should().Be(earlier);
        errors.Skip(1).Select(e => e.Field).Should().Contain(["steps[0].componentId", "steps[0].function"]);
    }

    [Test]
    public void A_good_draft_reads_even_when_the_callers_list_already_holds_errors()
    {
        var errors = new List<FlowValidationError> { new(null, "elsewhere", "an error the caller had already") };

        var read = FlowsJson.ReadDraft(JObject.Parse("""{"name": "x", "steps": [{"id": "a", "componentId": "webhook", "function": "receive"}]}"""), errors);

        read.Should().NotBeNull();
        errors.Should().ContainSingle();
    }
}

/// <summary>
/// The stored form of every document a store keeps: written by <see cref="FlowsJson"/>, parsed from its text and read back with
/// every field the same (times as the same instants), and bad or foreign JSON refused with the field named.
/// </summary>
public class FlowsJsonStoredFormTests
{
    private static readonly DateTimeOffset Created = new(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));

    [Test]
    [CancelAfter(10_000)]
    public void A_flow_with_every_field_set_reads_back_the_same()
    {
        var flow = FullFlow();

        var json = FlowsJson.Flow(flow);
        var read = FlowsJson.ReadFlow(FlowsJson.Parse(json.ToString(Formatting.None)));

        Deep(read).Should().Be(Deep(flow));
        read.CreatedAt.Should().Be(flow.CreatedAt);
        read.CreatedAt.Offset.Should().Be(TimeSpan.Zero, "times are stored in UTC");
        read.UpdatedAt.Should().Be(flow.UpdatedAt);
        read.Revision.Should().Be(7);
        read.Draft.Steps[1].MappingTimeLimitSeconds.Should().Be(12.5);
        read.Draft.Steps[0].Sample!.Schema.Should().NotBeNull();
        json.ContainsKey("hookUrl").Should().BeFalse("the stored form has no API decoration");
        json["draft"]!["steps"]!.Children<JObject>().Should().OnlyContain(s => !s.ContainsKey("fields"));
    }

    [Test]
    [CancelAfter(10_000)]
    public void The_api_form_of_a_flow_is_the_stored_form_with_its_decoration()
    {
        var flow = FullFlow();
        var api = FlowsJson.Flow(flow, "/hook", new global::Flows.Sdk.Components.ComponentRegistry([]));
        var stored = FlowsJson.Flow(flow);

        api["hookUrl"]!.Value<string>().Should().Be("/hook/f1");
        api["draft"]!["steps"]![0]!["fields"].Should().NotBeNull();
        var undecorated = (JObject)api.DeepClone();
        undecorated.Remove("hookUrl");
        foreach (var step in undecorated["draft"]!["steps"]!.Children<JObject>())
        {
            step.Remove("fields");
        }

        undecorated["revision"] = flow.Revision;
        JToken.DeepEquals(undecorated, stored).Should().BeTrue();
        Deep(FlowsJson.ReadFlow(api) with { Revision = 7 }).Should().Be(Deep(flow), "the API's form reads too, its decoration ignored");
    }

    [Test]
    [CancelAfter(10_000)]
    public void A_version_with_every_field_set_reads_back_the_same()
    {
        var version = new FlowVersion("f1", 3, FullFlow().Draft, new DateTimeOffset(2026, 5, 6, 7, 8, 9, 123, TimeSpan.FromMinutes(-330)).AddTicks(4567));

        var read = FlowsJson.ReadVersion(FlowsJson.Parse(FlowsJson.Version(version).ToString(Formatting.None)));

        Deep(read).Should().Be(Deep(version));
        read.PublishedAt.UtcTicks.Should().Be(version.PublishedAt.UtcTicks);
    }

    [Test]
    [CancelAfter(10_000)]
    public void A_draft_and_a_step_read_back_the_same_with_their_computed_fields()
    {
        var draft = FullFlow().Draft;

        var read = FlowsJson.ReadDraft(FlowsJson.Parse(FlowsJson.Draft(draft).ToString()));
        var step = FlowsJson.ReadStep(FlowsJson.Step(draft.Steps[1]));

        Deep(read).Should().Be(Deep(draft));
        Deep(step).Should().Be(Deep(draft.Steps[1]));
        step.InMetadata.Should().NotBeNull();
    }

    [Test]
    [CancelAfter(10_000)]
    public void A_credential_is_stored_without_its_fields_and_reads_back_the_same()
    {
        var credential = new Credential
        {
            Id = "c1", Name = "Petstore key", ComponentId = "petstore",
            Fields = new JObject { ["apiKey"] = "s3cret" }, CreatedAt = Created,
        };

        var json = FlowsJson.Credential(credential);
        var read = FlowsJson.ReadCredential(FlowsJson.Parse(json.ToString()));

        json.ToString().Should().NotContain("s3cret");
        json.ContainsKey("fields").Should().BeFalse();
        read.Fields.Should().BeEmpty();
        Deep(read with { Fields = credential.Fields }).Should().Be(Deep(credential));
    }

    [Test]
    [CancelAfter(10_000)]
    public void An_execution_header_and_its_steps_read_back_the_same()
    {
        var execution = FullExecution();

        var header = FlowsJson.ExecutionHeader(execution);
        var steps = execution.Steps.Select(s => FlowsJson.ReadStepExecution(FlowsJson.Parse(FlowsJson.StepExecution(s).ToString(Formatting.None)))).ToList();
        var read = FlowsJson.ReadExecution(FlowsJson.Parse(header.ToString(Formatting.None))) with { Steps = steps };

        header.ContainsKey("steps").Should().BeFalse("a store keeps each step attempt as a document of its own");
        Deep(read).Should().Be(Deep(execution));
        read.Steps[0].Duration.Should().Be(TimeSpan.FromTicks(123_456_789), "durations keep their ticks");
        read.Steps[1].Output!.Type.Should().Be(JTokenType.Array);
        read.Steps[0].Input!["sentAt"]!.Type.Should().Be(JTokenType.String, "dates inside payloads stay strings");
        read.Failure!.Message["name"]!.Value<string>().Should().Be("Rex");
    }

    [Test]
    [CancelAfter(10_000)]
    public void An_execution_in_one_document_with_its_steps_reads_back_the_same()
    {
        var execution = FullExecution();
        var json = FlowsJson.ExecutionHeader(execution);
        json["steps"] = new JArray(execution.Steps.Select(FlowsJson.StepExecution));

        var read = FlowsJson.ReadExecution(FlowsJson.Parse(json.ToString()));

        Deep(read).Should().Be(Deep(execution));
    }

    [Test]
    [CancelAfter(10_000)]
    public void The_api_form_of_an_execution_is_the_header_with_its_steps_and_without_the_failure_detail()
    {
        var execution = FullExecution();

        var api = FlowsJson.Execution(execution);
        var read = FlowsJson.ReadExecution(api);

        api["failedStepId"]!.Value<string>().Should().Be("step_2");
        api.ContainsKey("failure").Should().BeFalse();
        Deep(read).Should().Be(Deep(execution with { Failure = null }));
    }

    [Test]
    [CancelAfter(10_000)]
    public void The_streamed_writers_write_the_same_text_as_the_trees()
    {
        var execution = FullExecution();
        using var headerText = new StringWriter();
        using (var writer = new JsonTextWriter(headerText))
        {
            FlowsJson.WriteExecutionHeader(writer, execution);
        }

        using var stepText = new StringWriter();
        using (var writer = new JsonTextWriter(stepText))
        {
            FlowsJson.WriteStepExecution(writer, execution.Steps[1]);
        }

        headerText.ToString().Should().Be(FlowsJson.ExecutionHeader(execution).ToString(Formatting.None));
        stepText.ToString().Should().Be(FlowsJson.StepExecution(execution.Steps[1]).ToString(Formatting.None));
    }

    [TestCase("""{"id": "f1", "state": "running", "draft": {"name": "x", "steps": [{"id": "a", "componentId": "webhook"}]}, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}""", "draft.steps[0].function")]
    [TestCase("""{"id": "f1", "state": "Running", "draft": {"name": "x", "steps": []}, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}""", "state")]
    [TestCase("""{"id": "f1", "state": "draft", "draft": {"name": "x", "steps": []}, "createdAt": "yesterday", "updatedAt": "2026-01-01T00:00:00Z"}""", "createdAt")]
    [TestCase("""{"id": "f1", "state": "draft", "latestVersion": "2", "draft": {"name": "x", "steps": []}, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}""", "latestVersion")]
    [TestCase("""{"id": "f1", "state": "draft", "draft": {"name": "x", "steps": [{"id": "a", "componentId": "w", "function": "r", "outMetadata": []}]}, "createdAt": "2026-01-01T00:00:00Z", "updatedAt": "2026-01-01T00:00:00Z"}""", "draft.steps[0].outMetadata")]
    [TestCase("""{"Id": "f1", "State": 2, "Draft": {"Name": "x", "Steps": []}}""", "id")]
    [CancelAfter(10_000)]
    public void A_bad_or_foreign_flow_is_refused_naming_the_field(string json, string field)
    {
        var read = () => FlowsJson.ReadFlow(FlowsJson.Parse(json));

        read.Should().Throw<InvalidDataException>().WithMessage($"*'{field}'*");
    }

    [TestCase("""{"id": "e1", "flowId": "f1", "flowVersion": 1, "requestId": "r", "messageId": "m", "status": "failed", "startedAt": "2026-01-01T00:00:00Z", "failure": {"stepId": "s", "message": {}, "stepOutputs": {}, "attempt": "1"}}""", "failure.attempt")]
    [TestCase("""{"id": "e1", "flowId": "f1", "flowVersion": 1, "requestId": "r", "messageId": "m", "status": "done", "startedAt": "2026-01-01T00:00:00Z"}""", "status")]
    [TestCase("""{"id": "e1", "flowId": "f1", "flowVersion": 1, "requestId": "r", "status": "running", "startedAt": "2026-01-01T00:00:00Z"}""", "messageId")]
    [TestCase("""{"id": "e1", "flowId": "f1", "flowVersion": 1, "requestId": "r", "messageId": "m", "status": "running", "startedAt": "2026-01-01T00:00:00Z", "steps": [{"stepId": "a", "status": "succeeded", "startedAt": "2026-01-01T00:00:00Z", "durationMs": "5"}]}""", "steps[0].durationMs")]
    [TestCase("""{"id": "e1", "flowId": "f1", "flowVersion": 1, "requestId": "r", "messageId": "m", "status": "running", "startedAt": "2026-01-01T00:00:00Z", "deliveryCount": 99999999999}""", "deliveryCount")]
    [CancelAfter(10_000)]
    public void A_bad_execution_is_refused_naming_the_field(string json, string field)
    {
        var read = () => FlowsJson.ReadExecution(FlowsJson.Parse(json));

        read.Should().Throw<InvalidDataException>().WithMessage($"*'{field}'*");
    }

    [TestCase("""{"stepId": "a", "status": "succeeded", "startedAt": "2026-01-01T00:00:00Z", "error": "boom"}""", "error")]
    [TestCase("""{"stepId": "a", "status": "failed", "startedAt": "2026-01-01T00:00:00Z", "error": {"type": "X"}}""", "error.message")]
    [CancelAfter(10_000)]
    public void A_bad_step_execution_is_refused_naming_the_field(string json, string field)
    {
        var read = () => FlowsJson.ReadStepExecution(FlowsJson.Parse(json));

        read.Should().Throw<InvalidDataException>().WithMessage($"*'{field}'*");
    }

    [TestCase("""{"id": "c1", "name": "n", "componentId": "petstore"}""", "createdAt")]
    [TestCase("""{"id": "c1", "name": 5, "componentId": "petstore", "createdAt": "2026-01-01T00:00:00Z"}""", "name")]
    [CancelAfter(10_000)]
    public void A_bad_credential_is_refused_naming_the_field(string json, string field)
    {
        var read = () => FlowsJson.ReadCredential(FlowsJson.Parse(json));

        read.Should().Throw<InvalidDataException>().WithMessage($"*'{field}'*");
    }

    [TestCase("not json")]
    [TestCase("[1, 2]")]
    [TestCase("""{"id": "f1"} {}""")]
    [CancelAfter(10_000)]
    public void Text_that_is_not_one_json_object_is_refused(string text)
    {
        var parse = () => FlowsJson.Parse(text);

        parse.Should().Throw<InvalidDataException>();
    }

    [Test]
    [CancelAfter(10_000)]
    public void A_time_with_an_offset_reads_as_the_same_instant()
    {
        var json = FlowsJson.Credential(new Credential { Id = "c", Name = "n", ComponentId = "x", Fields = [], CreatedAt = Created });
        json["createdAt"] = "2026-03-04T05:06:07+02:00";

        FlowsJson.ReadCredential(json).CreatedAt.Should().Be(Created);
    }

    internal static Flow FullFlow() => new()
    {
        Id = "f1",
        State = FlowState.Running,
        LatestVersion = 3,
        LiveVersion = 2,
        CreatedAt = Created,
        UpdatedAt = new DateTimeOffset(2026, 3, 5, 1, 2, 3, TimeSpan.FromMinutes(-330)).AddTicks(1234567),
        Revision = 7,
        Draft = new FlowDraft("orders",
        [
            new StepDefinition
            {
                Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = "c1",
                Sample = new SampleDefinition("json", """{"name": "Rex"}""")
                {
                    Sample = new JObject { ["name"] = "Rex" },
                    Schema = new JObject { ["type"] = "object", ["properties"] = new JObject { ["name"] = new JObject { ["type"] = "string" } } },
                },
                Configuration = new JObject { ["authentication"] = "hmac", ["tolerance"] = 300 },
                OutMetadata = new JObject { ["type"] = "object" },
            },
            new StepDefinition
            {
                Id = "step_2", ComponentId = "petstore", Function = "createPet", CredentialId = "c2",
                Mapping = new Dictionary<string, string> { ["name"] = "step_1.name", ["tag"] = "'dog'" },
                MappingTimeLimitSeconds = 12.5,
                Configuration = new JObject { ["nested"] = new JObject { ["list"] = new JArray(1, 2.5, "three", JValue.CreateNull(), true) } },
                InMetadata = new JObject { ["type"] = "object", ["required"] = new JArray("name") },
                OutMetadata = new JObject { ["type"] = "object", ["properties"] = new JObject() },
            },
            new StepDefinition
            {
                Id = "step_3", ComponentId = "reply", Function = "reply",
                MappingExpression = "{ 'status': 201, 'body': step_2 }",
                MappingTimeLimitSeconds = 300,
            },
        ]),
    };

    internal static FlowExecution FullExecution() => new()
    {
        Id = "e1",
        FlowId = "f1",
        FlowVersion = 2,
        RequestId = "r1",
        MessageId = "m1",
        Status = ExecutionStatus.Failed,
        StartedAt = Created,
        FinishedAt = Created.AddSeconds(3.25),
        DeliveryCount = 3,
        PendingRebounds = 2,
        Failure = new ExecutionFailure("step_2", new JObject { ["name"] = "Rex" }, new JObject { ["step_1"] = new JObject { ["name"] = "Rex" } }, 4),
        Steps =
        [
            new StepExecution
            {
                StepId = "step_1", Attempt = 1, Status = ExecutionStatus.Succeeded,
                Input = new JObject { ["name"] = "Rex", ["sentAt"] = "2026-03-04T05:06:07+02:00" },
                Output = new JObject { ["name"] = "Rex" },
                StartedAt = Created, Duration = TimeSpan.FromTicks(123_456_789),
            },
            new StepExecution
            {
                StepId = "step_2", Attempt = 4, Status = ExecutionStatus.Failed,
                Input = "just text", Output = new JArray(new JObject { ["a"] = 1 }, 2),
                Error = new StepError("HttpRequestException", "The pet store answered 503."),
                StartedAt = Created.AddSeconds(1), Duration = TimeSpan.FromMilliseconds(0.5),
            },
            new StepExecution
            {
                StepId = "step_3", Status = ExecutionStatus.Rebounding, StartedAt = Created.AddSeconds(2),
            },
        ],
    };

    /// <summary>Every property, deep, in one text (times as their instants): two records with the same text hold the same data.</summary>
    internal static string Deep(object value) => JsonConvert.SerializeObject(value, new JsonSerializerSettings { Converters = [new InstantConverter()] });

    private sealed class InstantConverter : JsonConverter
    {
        public override bool CanConvert(Type objectType) => objectType == typeof(DateTimeOffset) || objectType == typeof(DateTimeOffset?);

        public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) =>
            writer.WriteValue(value is DateTimeOffset time ? time.UtcTicks : null);

        public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer) =>
            throw new NotSupportedException("Only written.");
    }
}
