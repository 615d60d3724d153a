using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>How a step, or the steps after it, ended in one delivery.</summary>
internal enum StepOutcome
{
    /// <summary>It succeeded; what it emitted goes on.</summary>
    Completed,

    /// <summary>It failed for good: the execution fails.</summary>
    Failed,

    /// <summary>It asked to run again later: the execution waits for its rebound.</summary>
    Rebounding,
}

/// <summary>One step, as the orchestrator asks the invoker to run it.</summary>
/// <param name="FlowId">The flow.</param>
/// <param name="ExecutionId">The execution the attempts are recorded under.</param>
/// <param name="MessageId">The id of the message being run.</param>
/// <param name="Step">The step.</param>
/// <param name="Incoming">The message from the step before.</param>
/// <param name="StepOutputs">The outputs of the steps before (the mapping's <c>$steps</c>).</param>
/// <param name="Attempt">The attempt number of the first try.</param>
internal readonly record struct StepCall(string FlowId, string ExecutionId, string MessageId, Flows.CompiledStep Step, JObject Incoming, JObject StepOutputs, int Attempt);

/// <summary>How an invoked step ended.</summary>
/// <param name="Kind">Completed, failed or rebounding.</param>
/// <param name="Attempt">The attempt number of its last try.</param>
/// <param name="Emitted">What it emitted (completed only).</param>
/// <param name="Error">Why it failed (<c>{stepId}: {message}</c>), or the reason of its rebound.</param>
/// <param name="Transient">Whether the failure is worth retrying.</param>
internal sealed record StepResult(StepOutcome Kind, int Attempt, IReadOnlyList<JToken> Emitted, string? Error, bool Transient);
