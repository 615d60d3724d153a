using System.Diagnostics;
using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Flows.Sdk.Mapping;
using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Flows;

/// <summary>
/// A step's input mapping, compiled: an expression per input field (integrator mode) or one expression that gives the whole
/// input (developer mode), with the input fields the step requires, and what the step emits. The runner, the publish checks,
/// the mapping preview and the API's field lists all go through it, so a mapping is applied, and a step's output described,
/// in one way only. Immutable and safe to apply from many threads at once.
/// </summary>
public sealed class StepMapping
{
    private static readonly IReadOnlyDictionary<string, string> NoFields = new Dictionary<string, string>();

    private StepMapping(IMappingExpression? expression, IReadOnlyList<MappedField> fields, JObject? inMetadata, TimeSpan? timeLimit, JObject? outputSchema, JObject? outputSample)
    {
        Expression = expression;
        Fields = fields;
        InMetadata = inMetadata;
        RequiredFields = ActionDescriptor.RequiredOf(inMetadata);
        TimeLimit = timeLimit;
        Limits = timeLimit is { } limit ? new EvaluationLimits(limit) : default;
        OutputSchema = outputSchema;
        OutputSample = outputSample;
    }

    /// <summary>The developer-mode expression that gives the whole input, or <see langword="null"/>.</summary>
    internal IMappingExpression? Expression { get; }

    /// <summary>The input fields and their expressions, in the order they were given.</summary>
    internal IReadOnlyList<MappedField> Fields { get; }

    /// <summary>The input metadata in force (the step's dynamic metadata or the action's), which the mapped input is checked against.</summary>
    internal JObject? InMetadata { get; }

    /// <summary>The input fields the step requires: the <c>required</c> list of <see cref="InMetadata"/>.</summary>
    internal IReadOnlyList<string> RequiredFields { get; }

    /// <summary>The step's own time limit for one evaluation (<see cref="StepDefinition.MappingTimeLimitSeconds"/>), or <see langword="null"/> for the engine's.</summary>
    internal TimeSpan? TimeLimit { get; }

    /// <summary>The limits of one evaluation of this mapping: the step's own time limit, or (unset) the engine's, which are the host's.</summary>
    internal EvaluationLimits Limits { get; }

    /// <summary>The JSON Schema of what the step emits (<see cref="OutputSchemaOf"/>), or <see langword="null"/>.</summary>
    internal JObject? OutputSchema { get; }

    /// <summary>A sample of what the step emits (<see cref="OutputSampleOf"/>), or <see langword="null"/> when there is none.</summary>
    internal JObject? OutputSample { get; }

    /// <summary>The parts of the mapping in the order they are evaluated: the whole expression (target <c>mapping</c>), then each field (<c>mapping.{field}</c>).</summary>
    internal IEnumerable<MappedField> Parts => Expression is null ? Fields : Fields.Prepend(new MappedField(null, Expression));

    /// <summary>Compiles a mapping given as an expression per field, or as one expression for the whole input, with no metadata: nothing required, nothing checked.</summary>
    /// <param name="engine">The mapping engine.</param>
    /// <param name="fields">Input field name to expression, or <see langword="null"/>.</param>
    /// <param name="expression">One expression that gives the whole input object, or <see langword="null"/>.</param>
    /// <returns>The compiled mapping.</returns>
    /// <exception cref="StepMappingException">
    /// An expression does not compile: <see cref="StepMappingException.Errors"/> names every one (target <c>mapping.{field}</c> or
    /// <c>mapping</c>, with the engine's code and position).
    /// </exception>
    public static StepMapping Compile(IMappingEngine engine, IReadOnlyDictionary<string, string>? fields, string? expression = null) =>
        Compile(engine, fields, expression, inMetadata: null, timeLimit: null, outputSchema: null, outputSample: null);

    /// <summary>Compiles the mapping of <paramref name="step"/>, whose function is <paramref name="action"/> (<see langword="null"/> for a trigger or an unknown function).</summary>
    /// <exception cref="StepMappingException">An expression does not compile.</exception>
    internal static StepMapping Compile(IMappingEngine engine, StepDefinition step, ActionDescriptor? action) =>
        Compile(engine, step.Mapping, step.MappingExpression, InMetadataOf(step, action),
            step.MappingTimeLimitSeconds is { } seconds ? TimeSpan.FromSeconds(seconds) : null,
            OutputSchemaOf(step, action), OutputSampleOf(step, action));

    private static StepMapping Compile(IMappingEngine engine, IReadOnlyDictionary<string, string>? fields, string? expression,
        JObject? inMetadata, TimeSpan? timeLimit, JObject? outputSchema, JObject? outputSample)
    {
        ArgumentNullException.ThrowIfNull(engine);
        List<StepMappingException>? errors = null;
        var compiled = new List<MappedField>();
        foreach (var (field, source) in fields ?? NoFields)
        {
            try
            {
                compiled.Add(new(field, engine.Compile(source)));
            }
            catch (MappingException e)
            {
                (errors ??= []).Add(CompileError($"mapping.{field}", e));
            }
        }

        IMappingExpression? whole = null;
        if (expression is not null)
        {
            try
            {
                whole = engine.Compile(expression);
            }
            catch (MappingException e)
            {
                (errors ??= []).Add(CompileError("mapping", e));
            }
        }

        if (errors is not null)
        {
            throw new StepMappingException(errors);
        }

        return new StepMapping(whole, compiled, inMetadata, timeLimit, outputSchema, outputSample);
    }

    private static StepMappingException CompileError(string target, MappingException e)
    {
        var at = e.Position >= 0 ? $" at position {e.Position}" : string.Empty;
        return new StepMappingException(StepMappingException.MappingError, target, $"The expression does not compile ({e.Code}{at}): {e.Message}", e);
    }

    /// <summary>
    /// Applies the mapping to <paramref name="incoming"/>: the whole expression (which must give an object), then each field (a
    /// field that gives nothing is left out); then checks that the required fields have values and that the input fits the
    /// step's input metadata.
    /// </summary>
    /// <param name="incoming">The data the step gets (the message from the step before).</param>
    /// <param name="bindings">Variables the expressions see (without the leading <c>$</c>), or <see langword="null"/>.</param>
    /// <param name="sharedTimeLimit">
    /// When set, the time all the evaluations of this call share: each gets what is left of it (or the step's own limit when
    /// that is shorter), so the call ends within it however many fields run away. <see langword="null"/>: each evaluation gets
    /// the step's own limit, or the engine's.
    /// </param>
    /// <param name="cancellationToken">Cancels the evaluations.</param>
    /// <returns>The step's input.</returns>
    /// <exception cref="StepMappingException">
    /// An expression failed (<see cref="StepMappingException.ErrorType"/> <c>MappingError</c>; an overrun of the time or size
    /// limit has code <c>U1001</c> or <c>U1002</c>), or the input misses a required field or does not fit the input metadata
    /// (<c>InputValidationError</c>).
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public JObject Apply(JToken? incoming, IReadOnlyDictionary<string, JToken?>? bindings, TimeSpan? sharedTimeLimit, CancellationToken cancellationToken)
    {
        var deadline = sharedTimeLimit is { } shared ? Stopwatch.GetTimestamp() + (long)(shared.TotalSeconds * Stopwatch.Frequency) : (long?)null;
        var input = new JObject();
        if (Expression is { } whole)
        {
            JToken? value;
            try
            {
                value = whole.Evaluate(incoming, bindings, LimitsUntil(deadline), cancellationToken);
            }
            catch (MappingException e)
            {
                throw new StepMappingException(StepMappingException.MappingError, "mapping", $"The mapping expression failed ({e.Code}): {e.Message}", e);
            }

            input = value as JObject ?? throw new StepMappingException(StepMappingException.MappingError, "mapping",
                $"The mapping expression must give an object, but gave {(value is null ? "nothing" : value.Type.ToString().ToLowerInvariant())}.");
        }

        // Indexed loops: no enumerator is allocated on the runner's path.
        for (var i = 0; i < Fields.Count; i++)
        {
            var field = Fields[i];
            JToken? value;
            try
            {
                value = field.Expression.Evaluate(incoming, bindings, LimitsUntil(deadline), cancellationToken);
            }
            catch (MappingException e)
            {
                throw new StepMappingException(StepMappingException.MappingError, field.Target, $"Mapping of input field '{field.Field}' failed ({e.Code}): {e.Message}", e);
            }

            if (value is not null)
            {
                input[field.Field!] = value;
            }
        }

        for (var i = 0; i < RequiredFields.Count; i++)
        {
            var required = RequiredFields[i];
            if (input[required] is null or { Type: JTokenType.Null })
            {
                var source = Fields.FirstOrDefault(m => m.Field == required)?.Expression.Source ?? "(unmapped)";
                throw new StepMappingException(StepMappingException.InputValidationError, $"mapping.{required}",
                    $"The required input field '{required}' is missing: its mapping '{source}' gave no value.");
            }
        }

        if (InputValidator.Validate(input, InMetadata) is { } violation)
        {
            throw new StepMappingException(StepMappingException.InputValidationError, "input", violation);
        }

        return input;
    }

    /// <summary>The limits of the next evaluation: the step's own, or what is left of the shared time when that is shorter.</summary>
    private EvaluationLimits LimitsUntil(long? deadline)
    {
        if (deadline is not { } end)
        {
            return Limits;
        }

        var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), end);

        // Out of time: the least limit there is, so that the evaluation ends at once with U1001.
        left = left > TimeSpan.Zero ? left : TimeSpan.FromTicks(1);
        return new EvaluationLimits(TimeLimit is { } own && own < left ? own : left);
    }

    /// <summary>The input metadata in force for a step: the step's (dynamic, computed at publish) or its action's.</summary>
    internal static JObject? InMetadataOf(StepDefinition step, ActionDescriptor? action) => step.InMetadata ?? action?.InMetadata;

    /// <summary>The input fields a step requires: the <c>required</c> list of its input metadata.</summary>
    internal static IReadOnlyList<string> RequiredFieldsOf(StepDefinition step, ActionDescriptor? action) => ActionDescriptor.RequiredOf(InMetadataOf(step, action));

    /// <summary>The output metadata a step declares: the step's (dynamic, computed at publish) or its action's.</summary>
    internal static JObject? DeclaredOutputOf(StepDefinition step, ActionDescriptor? action) => step.OutMetadata ?? action?.OutMetadata;

    /// <summary>
    /// The JSON Schema of what a step emits, the fields later mappings can use: the schema of its sample, or else its declared
    /// output metadata.
    /// </summary>
    internal static JObject? OutputSchemaOf(StepDefinition step, ActionDescriptor? action) => step.Sample?.Schema ?? DeclaredOutputOf(step, action);

    /// <summary>A sample of what a step emits: its own sample, or else one built from its declared output metadata.</summary>
    internal static JObject? OutputSampleOf(StepDefinition step, ActionDescriptor? action) =>
        step.Sample?.Sample ?? SampleOfSchema(DeclaredOutputOf(step, action));

    /// <summary>A sample built from a schema, or <see langword="null"/> without one.</summary>
    internal static JObject? SampleOfSchema(JObject? schema) => schema is null ? null : SampleGenerator.FromSchema(schema);

    /// <summary>
    /// The message an emitted item becomes for the next step, and under the step's id in <c>$steps</c>: an object as it is,
    /// anything else as <c>{"value": item}</c>.
    /// </summary>
    internal static JObject MessageOf(JToken emitted) => emitted as JObject ?? new JObject { ["value"] = emitted };
}

/// <summary>One part of a mapping: an input field and its expression, or (<see cref="Field"/> <see langword="null"/>) the whole-input expression.</summary>
internal sealed record MappedField(string? Field, IMappingExpression Expression)
{
    /// <summary>Where the part is, as validation errors name it: <c>mapping.{field}</c>, or <c>mapping</c> for the whole expression.</summary>
    public string Target { get; } = Field is null ? "mapping" : $"mapping.{Field}";
}
