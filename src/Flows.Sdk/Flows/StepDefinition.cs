using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Flows;

/// <summary>
/// One step of a flow: a trigger (the first step) or an action of a component.
/// </summary>
public sealed record StepDefinition
{
    /// <summary>The step's id, unique within the flow (for example <c>step_1</c>).</summary>
    public required string Id { get; init; }

    /// <summary>The id of the component the step uses (for example <c>webhook</c> or <c>petstore</c>).</summary>
    public required string ComponentId { get; init; }

    /// <summary>The trigger or action of the component (for example <c>receive</c> or <c>createPetWithPromise</c>).</summary>
    public required string Function { get; init; }

    /// <summary>The step's name for a person (for example <c>Create the pet</c>), or <see langword="null"/>; at most 200 characters.</summary>
    public string? Name { get; init; }

    /// <summary>A note about the step for a person, or <see langword="null"/>; at most 2,000 characters. The engine does not read it.</summary>
    public string? Note { get; init; }

    /// <summary>The credential the step uses, or <see langword="null"/>.</summary>
    public string? CredentialId { get; init; }

    /// <summary>The sample of the data the step expects (triggers) or produces (actions).</summary>
    public SampleDefinition? Sample { get; init; }

    /// <summary>
    /// The step's input mapping: input field name to expression over the incoming data.
    /// <see langword="null"/> for a trigger.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Mapping { get; init; }

    /// <summary>
    /// The step's input as one expression that produces the whole input object (developer mode), instead of
    /// <see cref="Mapping"/>'s expression per field (integrator mode). A step has one or the other.
    /// </summary>
    public string? MappingExpression { get; init; }

    /// <summary>
    /// How long one evaluation of this step's mapping may run, in seconds (more than 0, at most 300), or <see langword="null"/>
    /// for the host's limit (<c>JsonataOptions.TimeLimit</c>, 5 s by default). A mapping that overruns it fails the step with
    /// <c>MappingError</c> (code <c>U1001</c>), for good: no retry, no rebound.
    /// </summary>
    public double? MappingTimeLimitSeconds { get; init; }

    /// <summary>The step's configuration, passed to the component as it is.</summary>
    public JObject? Configuration { get; init; }

    /// <summary>
    /// The action's input metadata for this step when the component computes it from the configuration (set at publish);
    /// <see langword="null"/> means the descriptor's.
    /// </summary>
    public JObject? InMetadata { get; init; }

    /// <summary>The action's output metadata for this step when computed at publish; <see langword="null"/> means the descriptor's.</summary>
    public JObject? OutMetadata { get; init; }
}
