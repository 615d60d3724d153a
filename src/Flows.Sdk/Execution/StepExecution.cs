using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>One step of an execution: its input, output, error and timing.</summary>
public sealed record StepExecution
{
    /// <summary>The step's id in the flow.</summary>
    public required string StepId { get; init; }

    /// <summary>The attempt number: 1 for the first run of the step for a message, more for rebounds and retries.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>The step's status.</summary>
    public required ExecutionStatus Status { get; init; }

    /// <summary>The step's input (for an action: its mapped input), or <see langword="null"/>.</summary>
    public JToken? Input { get; init; }

    /// <summary>What the step emitted: one value, or an array when it emitted several; <see langword="null"/> when nothing.</summary>
    public JToken? Output { get; init; }

    /// <summary>Why the step failed, or <see langword="null"/>.</summary>
    public StepError? Error { get; init; }

    /// <summary>When the step started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>How long the step took.</summary>
    public TimeSpan Duration { get; init; }
}

/// <summary>Why a step failed.</summary>
/// <param name="Type">The kind of error (an exception type name or an engine error such as <c>MappingError</c>).</param>
/// <param name="Message">What went wrong, for a person.</param>
public sealed record StepError(string Type, string Message);
