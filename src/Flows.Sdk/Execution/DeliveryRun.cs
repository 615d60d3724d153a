using Flows.Sdk.Flows;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// The steps of one delivery of queued work, in order: each step through the <see cref="StepInvoker"/>, each message it emits on
/// to the steps after it, a rebound through the <see cref="ReboundScheduler"/>; and where the execution failed, if it did.
/// </summary>
/// <param name="invoker">Runs one step.</param>
/// <param name="rebounds">Schedules a step's rebound.</param>
/// <param name="flow">The flow version.</param>
/// <param name="message">The message.</param>
/// <param name="cancellationToken">Cancels mappings and actions: the host abandoning the run, or the flow's stop.</param>
/// <param name="abandon">The host abandoning the run only: run-log writes go on after a stop.</param>
internal sealed class DeliveryRun(
    StepInvoker invoker, ReboundScheduler rebounds, CompiledFlow flow, QueuedMessage message, CancellationToken cancellationToken, CancellationToken abandon)
{
    private StepCall? _current;

    /// <summary>Where the execution failed, for a retry; <see langword="null"/> while nothing failed.</summary>
    public ExecutionFailure? Failure { get; private set; }

    /// <summary>Why the execution failed (the first failure), or <see langword="null"/>.</summary>
    public string? FailureMessage { get; private set; }

    /// <summary>The flow was stopped outside a step attempt: the step in progress is where the execution failed.</summary>
    public void FailStopped()
    {
        if (_current is { } current)
        {
            Failure ??= new ExecutionFailure(current.Step.Definition.Id, current.Incoming, current.StepOutputs, current.Attempt);
        }

        FailureMessage ??= FlowStops.StoppedMessage;
    }

    /// <summary>Runs step <paramref name="index"/> and, for each message it emits, the steps after it.</summary>
    public async Task<StepOutcome> RunStepAsync(int index, JObject incoming, JObject stepOutputs, int attempt, int reboundCount)
    {
        if (index >= flow.Steps.Count)
        {
            return StepOutcome.Completed;
        }

        var step = flow.Steps[index];
        var call = new StepCall(flow.Version.FlowId, message.ExecutionId, message.MessageId, step, incoming, stepOutputs, attempt);
        _current = call;
        var result = await invoker.InvokeAsync(call, cancellationToken, abandon).ConfigureAwait(false);
        switch (result.Kind)
        {
            case StepOutcome.Failed:
                Fail(call, result.Attempt, result.Error);
                return StepOutcome.Failed;
            case StepOutcome.Rebounding:
                if (await rebounds.ScheduleAsync(message, call, result.Attempt, reboundCount, result.Error!, cancellationToken, abandon).ConfigureAwait(false) is { } refused)
                {
                    Fail(call, result.Attempt, refused.Message);
                    return StepOutcome.Failed;
                }

                return StepOutcome.Rebounding;
        }

        var outcome = StepOutcome.Completed;
        foreach (var output in result.Emitted)
        {
            var body = StepMapping.MessageOf(output);

            // A single output continues this branch: its outputs object is this branch's own, so it is extended in place.
            // Several outputs fan out into branches that must not see each other's outputs: each gets a copy.
            var outputs = result.Emitted.Count == 1 ? stepOutputs : (JObject)stepOutputs.DeepClone();
            outputs[step.Definition.Id] = body;
            var next = await RunStepAsync(index + 1, body, outputs, 1, 0).ConfigureAwait(false);
            if (next == StepOutcome.Failed)
            {
                return StepOutcome.Failed;
            }

            if (next == StepOutcome.Rebounding)
            {
                outcome = StepOutcome.Rebounding;
            }
        }

        return outcome;
    }

    private void Fail(StepCall call, int attempt, string? error)
    {
        Failure ??= new ExecutionFailure(call.Step.Definition.Id, call.Incoming, call.StepOutputs, attempt);
        FailureMessage ??= error;
    }
}
