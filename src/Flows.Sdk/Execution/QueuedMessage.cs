using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// A unit of work in the queue: run a flow version for a message, from the step after the trigger or, when the message is a
/// rebound or a retry, from <see cref="ResumeStepId"/>. Every field is data, so durable queues can store it as it is.
/// </summary>
/// <param name="MessageId">The message's id, stable across redeliveries: a durable queue delivers it until acknowledged.</param>
/// <param name="RequestId">The id returned to the caller when the hook accepted the request.</param>
/// <param name="ExecutionId">The run log entry the work belongs to, assigned when the hook accepted the request.</param>
/// <param name="FlowId">The flow to run.</param>
/// <param name="FlowVersion">The flow version that was live when the message was accepted.</param>
/// <param name="Body">
/// The message for the first step to run, as UTF-8 JSON bytes: for a first delivery the request's payload (the trigger's output
/// is it plus what <see cref="Request"/> adds, or, without <see cref="Request"/>, the body itself), for a rebound or a retry the
/// incoming message of <see cref="ResumeStepId"/>.
/// </param>
/// <param name="ReceivedAt">When the hook accepted the request.</param>
public sealed record QueuedMessage(
    string MessageId,
    string RequestId,
    string ExecutionId,
    string FlowId,
    int FlowVersion,
    MessageBody Body,
    DateTimeOffset ReceivedAt)
{
    /// <summary>
    /// For a first delivery, what the hook's request adds to the payload in the trigger's output (<c>_query</c>,
    /// <c>_headers</c>, <c>_method</c>, <c>_url</c>, <c>_additionalUrlPath</c>, which win over the payload's own properties of
    /// those names); <see langword="null"/> when <see cref="Body"/> is the whole output or the message resumes a step.
    /// </summary>
    public TriggerRequest? Request { get; init; }

    /// <summary>The step to run first, or <see langword="null"/> to start after the trigger.</summary>
    public string? ResumeStepId { get; init; }

    /// <summary>The outputs of the steps before <see cref="ResumeStepId"/>, by step id (reachable from mappings as <c>$steps</c>).</summary>
    public JObject? StepOutputs { get; init; }

    /// <summary>The attempt number of <see cref="ResumeStepId"/>: 1 for a first run, more for rebounds and retries.</summary>
    public int Attempt { get; init; } = 1;

    /// <summary>How many times <see cref="ResumeStepId"/> rebounded this message so far.</summary>
    public int Rebounds { get; init; }

    /// <summary>When set, the message must not be delivered before this time (rebounds wait this way).</summary>
    public DateTimeOffset? NotBefore { get; init; }
}
