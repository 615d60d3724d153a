namespace Flows.Sdk.Execution;

/// <summary>One run of a flow for one accepted message: the run log's entry.</summary>
public sealed record FlowExecution
{
    /// <summary>The execution's id.</summary>
    public required string Id { get; init; }

    /// <summary>The flow that ran.</summary>
    public required string FlowId { get; init; }

    /// <summary>The flow version that ran.</summary>
    public required int FlowVersion { get; init; }

    /// <summary>The id returned to the caller when the hook accepted the request.</summary>
    public required string RequestId { get; init; }

    /// <summary>The id of the message that started the execution.</summary>
    public required string MessageId { get; init; }

    /// <summary>The execution's status.</summary>
    public required ExecutionStatus Status { get; init; }

    /// <summary>When the execution started.</summary>
    public required DateTimeOffset StartedAt { get; init; }

    /// <summary>When it ended, or <see langword="null"/> while it runs.</summary>
    public DateTimeOffset? FinishedAt { get; init; }

    /// <summary>
    /// How many times the message was delivered to a worker for this execution: 1 normally, more when a durable queue delivered it
    /// again after a crash or restart (the execution is then run again and recorded under the same id, not duplicated).
    /// Stores that do not track deliveries leave it at 1.
    /// </summary>
    public int DeliveryCount { get; init; } = 1;

    /// <summary>How many rebounds of this execution wait in the queue.</summary>
    public int PendingRebounds { get; init; }

    /// <summary>Where the execution failed: the step and the message it got, so that it can be retried. <see langword="null"/> unless failed.</summary>
    public ExecutionFailure? Failure { get; init; }

    /// <summary>Every step run, in the order they ran (a step that emitted several messages makes the next step run once per message).</summary>
    public IReadOnlyList<StepExecution> Steps { get; init; } = [];
}

/// <summary>Where an execution failed: enough to run it again from that step.</summary>
/// <param name="StepId">The step that failed.</param>
/// <param name="Message">The message the step got (the previous step's output).</param>
/// <param name="StepOutputs">The outputs of the steps before it, by step id.</param>
/// <param name="Attempt">The attempt number of the failed run.</param>
public sealed record ExecutionFailure(string StepId, Newtonsoft.Json.Linq.JObject Message, Newtonsoft.Json.Linq.JObject StepOutputs, int Attempt);
