using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Flows.Sdk.Samples;
using Flows.Sdk.Tests.Execution;
using Flows.Sdk.Tests.Support;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Flows;

[CancelAfter(10_000)]
public sealed class StepMappingTests
{
    private static readonly IMappingEngine Engine = new JsonataMappingEngine();

    private static readonly JObject PetInput = JObject.Parse("""
        {"type": "object", "required": ["name"], "properties": {"name": {"type": "string"}, "age": {"type": "integer"}}}
        """);

    private static readonly ActionDescriptor PetAction = ActionDescriptor.For<CountingAction>("createPet", "Create a pet") with
    {
        InMetadata = PetInput,
        OutMetadata = JObject.Parse("""{"type": "object", "properties": {"id": {"type": "integer"}}}"""),
    };

    private static CancellationToken Token => TestContext.CurrentContext.CancellationToken;

    private static StepDefinition Step(params (string Field, string Expression)[] mapping) => new()
    {
        Id = "create",
        ComponentId = "pets",
        Function = "createPet",
        Mapping = mapping.ToDictionary(m => m.Field, m => m.Expression),
    };

    private static Dictionary<string, JToken?> Steps(JObject outputs) => new(StringComparer.Ordinal) { ["steps"] = outputs };

    [Test]
    public void Apply_maps_each_field_and_leaves_out_a_field_that_gives_nothing()
    {
        var mapping = StepMapping.Compile(Engine, new Dictionary<string, string> { ["name"] = "pet.name", ["tag"] = "pet.missing", ["from"] = "$steps.start.who" });

        var input = mapping.Apply(JObject.Parse("""{"pet": {"name": "Rex"}}"""), Steps(new JObject { ["start"] = new JObject { ["who"] = "Ann" } }), null, Token);

        input.ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"name":"Rex","from":"Ann"}""");
    }

    [Test]
    public void Apply_gives_the_object_of_a_whole_input_expression()
    {
        var mapping = StepMapping.Compile(Engine, null, """{"name": pet.name, "age": pet.age + 1}""");

        var input = mapping.Apply(JObject.Parse("""{"pet": {"name": "Rex", "age": 3}}"""), null, null, Token);

        input.ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"name":"Rex","age":4}""");
    }

    [Test]
    public void Apply_refuses_a_whole_input_expression_that_does_not_give_an_object()
    {
        var mapping = StepMapping.Compile(Engine, null, "pet.name");

        var apply = () => mapping.Apply(JObject.Parse("""{"pet": {"name": "Rex"}}"""), null, null, Token);

        var error = apply.Should().Throw<StepMappingException>().Which;
        error.ErrorType.Should().Be(StepMappingException.MappingError);
        error.Target.Should().Be("mapping");
        error.Message.Should().Be("The mapping expression must give an object, but gave string.");
    }

    [Test]
    public void Apply_fails_naming_a_required_field_whose_mapping_gives_nothing()
    {
        var mapping = StepMapping.Compile(Engine, Step(("name", "pet.nickname")), PetAction);

        var apply = () => mapping.Apply(JObject.Parse("""{"pet": {"name": "Rex"}}"""), null, null, Token);

        var error = apply.Should().Throw<StepMappingException>().Which;
        error.ErrorType.Should().Be(StepMappingException.InputValidationError);
        error.Target.Should().Be("mapping.name");
        error.Message.Should().Be("The required input field 'name' is missing: its mapping 'pet.nickname' gave no value.");
        mapping.RequiredFields.Should().Equal("name");
    }

    [Test]
    public void Apply_fails_naming_a_required_field_that_is_not_mapped()
    {
        var mapping = StepMapping.Compile(Engine, Step(("age", "1")), PetAction);

        var apply = () => mapping.Apply(new JObject(), null, null, Token);

        apply.Should().Throw<StepMappingException>()
            .WithMessage("The required input field 'name' is missing: its mapping '(unmapped)' gave no value.");
    }

    [Test]
    public void Apply_checks_the_mapped_input_against_the_input_metadata()
    {
        var mapping = StepMapping.Compile(Engine, Step(("name", "'Rex'"), ("age", "'three'")), PetAction);

        var apply = () => mapping.Apply(new JObject(), null, null, Token);

        var error = apply.Should().Throw<StepMappingException>().Which;
        error.ErrorType.Should().Be(StepMappingException.InputValidationError);
        error.Target.Should().Be("input");
        error.Message.Should().Be("The input field 'age' must be an integer, but it is a string.");
    }

    [Test]
    public void Apply_names_the_field_and_the_engines_code_and_position_when_an_expression_fails()
    {
        var mapping = StepMapping.Compile(Engine, new Dictionary<string, string> { ["ok"] = "1", ["sum"] = "1 + pet.name" });

        var apply = () => mapping.Apply(JObject.Parse("""{"pet": {"name": "Rex"}}"""), null, null, Token);

        var error = apply.Should().Throw<StepMappingException>().Which;
        error.ErrorType.Should().Be(StepMappingException.MappingError);
        error.Target.Should().Be("mapping.sum");
        error.Mapping.Should().NotBeNull();
        error.Mapping!.Code.Should().Be("T2002");
        error.Mapping.Position.Should().BeGreaterThan(0);
        error.Message.Should().StartWith("Mapping of input field 'sum' failed (T2002): ");
    }

    [Test]
    public void Compile_names_every_expression_that_does_not_compile_with_its_code_and_position()
    {
        var compile = () => StepMapping.Compile(Engine, new Dictionary<string, string> { ["a"] = "pet.", ["b"] = "pet.name", ["c"] = "(1" }, "{");

        var error = compile.Should().Throw<StepMappingException>().Which;
        error.Errors.Select(e => e.Target).Should().Equal("mapping.a", "mapping.c", "mapping");
        error.Errors.Should().OnlyContain(e => e.ErrorType == StepMappingException.MappingError && e.Mapping != null && e.Mapping.Position >= 0);
        error.Errors[0].Message.Should().Be($"The expression does not compile ({error.Errors[0].Mapping!.Code} at position {error.Errors[0].Mapping!.Position}): {error.Errors[0].Mapping!.Message}");
        error.Target.Should().Be("mapping.a");
    }

    [Test]
    public void Each_evaluation_gets_the_steps_own_time_limit()
    {
        var engine = new RecordingEngine();
        var mapping = StepMapping.Compile(engine, Step(("name", "a"), ("tag", "b")) with { MappingTimeLimitSeconds = 2 }, PetAction);

        mapping.Apply(new JObject(), null, null, Token);

        engine.Limits.Should().Equal(new EvaluationLimits(TimeSpan.FromSeconds(2)), new EvaluationLimits(TimeSpan.FromSeconds(2)));
    }

    [Test]
    public void Without_a_time_limit_of_its_own_each_evaluation_gets_the_engines_limits()
    {
        var engine = new RecordingEngine();
        var mapping = StepMapping.Compile(engine, Step(("name", "a")), PetAction);

        mapping.Apply(new JObject(), null, null, Token);

        engine.Limits.Should().Equal(default(EvaluationLimits));
    }

    [Test]
    public void A_shared_time_limit_gives_each_evaluation_what_is_left_of_it_or_the_steps_own_when_shorter()
    {
        var engine = new RecordingEngine();
        var shared = StepMapping.Compile(engine, new Dictionary<string, string> { ["a"] = "a", ["b"] = "b" });
        shared.Apply(new JObject(), null, TimeSpan.FromSeconds(3), Token);

        engine.Limits.Should().HaveCount(2).And.OnlyContain(l => l.TimeLimit > TimeSpan.Zero && l.TimeLimit <= TimeSpan.FromSeconds(3));
        engine.Limits[1].TimeLimit.Should().BeLessThanOrEqualTo(engine.Limits[0].TimeLimit!.Value);

        engine.Limits.Clear();
        var own = StepMapping.Compile(engine, Step(("name", "a")) with { MappingTimeLimitSeconds = 1 }, PetAction);
        own.Apply(new JObject(), null, TimeSpan.FromSeconds(60), Token);
        engine.Limits.Should().Equal(new EvaluationLimits(TimeSpan.FromSeconds(1)));
    }

    [Test]
    public void A_runaway_field_overruns_the_shared_time_and_is_named()
    {
        var mapping = StepMapping.Compile(Engine, new Dictionary<string, string> { ["fast"] = "1", ["loop"] = Runaways.Recursion, ["never"] = Runaways.Recursion });

        var apply = () => mapping.Apply(new JObject(), null, TimeSpan.FromMilliseconds(300), Token);

        var error = apply.Should().Throw<StepMappingException>().Which;
        error.Target.Should().Be("mapping.loop");
        error.Mapping!.Code.Should().Be("U1001");
    }

    [Test]
    public void Apply_stops_when_cancelled()
    {
        var mapping = StepMapping.Compile(Engine, new Dictionary<string, string> { ["loop"] = Runaways.Recursion });
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        var apply = () => mapping.Apply(new JObject(), null, null, cancelled.Token);

        apply.Should().Throw<OperationCanceledException>();
    }

    [Test]
    public void What_a_step_emits_is_described_by_its_sample_or_else_its_own_output_metadata_or_else_its_actions()
    {
        var sampleSchema = JObject.Parse("""{"type": "object", "properties": {"fromSample": {"type": "string"}}}""");
        var own = JObject.Parse("""{"type": "object", "properties": {"own": {"type": "boolean"}}}""");
        var withSample = Step() with { Sample = new SampleDefinition(SampleFormats.Json, """{"fromSample": "x"}""") { Sample = JObject.Parse("""{"fromSample": "x"}"""), Schema = sampleSchema } };

        StepMapping.Compile(Engine, withSample, PetAction).OutputSchema.Should().BeSameAs(sampleSchema);
        StepMapping.Compile(Engine, withSample, PetAction).OutputSample!["fromSample"]!.ToString().Should().Be("x");
        StepMapping.Compile(Engine, Step() with { OutMetadata = own }, PetAction).OutputSchema.Should().BeSameAs(own);
        StepMapping.Compile(Engine, Step() with { OutMetadata = own }, PetAction).OutputSample!["own"]!.Type.Should().Be(JTokenType.Boolean);
        StepMapping.Compile(Engine, Step(), PetAction).OutputSchema.Should().BeSameAs(PetAction.OutMetadata);
        StepMapping.Compile(Engine, Step(), PetAction).OutputSample!["id"]!.Type.Should().Be(JTokenType.Integer);
        StepMapping.Compile(Engine, Step(), action: null).OutputSample.Should().BeNull();
    }

    [Test]
    public void An_emitted_object_goes_on_as_it_is_and_anything_else_as_its_value()
    {
        var emitted = new JObject { ["a"] = 1 };

        StepMapping.MessageOf(emitted).Should().BeSameAs(emitted);
        StepMapping.MessageOf(new JValue(5)).ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"value":5}""");
        StepMapping.MessageOf(new JArray(1, 2)).ToString(Newtonsoft.Json.Formatting.None).Should().Be("""{"value":[1,2]}""");
    }

    /// <summary>An engine whose expressions give their source as a string and record the limits of each evaluation.</summary>
    private sealed class RecordingEngine : IMappingEngine
    {
        public List<EvaluationLimits> Limits { get; } = [];

        public IMappingExpression Compile(string expression) => new Expression(this, expression);

        private sealed class Expression(RecordingEngine engine, string source) : IMappingExpression
        {
            public string Source => source;

            public JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings = null, CancellationToken cancellationToken = default) =>
                Evaluate(input, bindings, default, cancellationToken);

            public JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings, EvaluationLimits limits, CancellationToken cancellationToken)
            {
                engine.Limits.Add(limits);
                return source;
            }
        }
    }
}
