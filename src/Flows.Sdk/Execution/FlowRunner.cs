using System.Diagnostics;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// Runs queued work through a flow version, one delivery at a time: starts or resumes the execution in the run log, runs its
/// steps in order (<see cref="DeliveryRun"/>; each step through the <see cref="StepInvoker"/>, rebounds through the
/// <see cref="ReboundScheduler"/>), finishes the execution, and settles the HTTP reply its hook waits for.
/// </summary>
internal sealed class FlowRunner
{
    /// <summary>Stands for the trigger's output of a trigger-only flow, which no step reads (never changed, never handed out).</summary>
    private static readonly JObject EmptyIncoming = [];

    private readonly CompiledFlowCache _compiledFlows;
    private readonly IExecutionStore _runLog;
    private readonly IReplyChannel _replies;
    private readonly StepInvoker _invoker;
    private readonly ReboundScheduler _rebounds;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly FlowStops _stops;
    private readonly IFlowStore _flows;

    public FlowRunner(
        CompiledFlowCache compiledFlows,
        IExecutionStore runLog,
        IReplyChannel replies,
        StepInvoker invoker,
        ReboundScheduler rebounds,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        FlowStops stops,
        IFlowStore flows)
    {
        _stops = stops;
        _flows = flows;
        _compiledFlows = compiledFlows;
        _runLog = runLog;
        _replies = replies;
        _invoker = invoker;
        _rebounds = rebounds;
        _time = time;
        _logger = loggerFactory.CreateLogger<FlowRunner>();
    }

    /// <summary>
    /// Runs <paramref name="message"/>. <paramref name="cancellationToken"/> (the host abandoning its runs at shutdown) cancels
    /// the run with an <see cref="OperationCanceledException"/>, leaving it unfinished; stopping the flow cancels it too, but
    /// the execution then ends <c>failed</c> ("The flow was stopped while this execution ran") and the method returns it.
    /// How many runs of a flow go at once is the workers' business (<see cref="FairShare"/>), not the runner's.
    /// </summary>
    public Task<FlowExecution> RunAsync(QueuedMessage message, CancellationToken cancellationToken) =>
        RunAsync(message, deliveryCount: 1, cancellationToken);

    /// <summary>Runs a message delivered <paramref name="deliveryCount"/> times (the run log's delivery count comes from the queue's delivery).</summary>
    public async Task<FlowExecution> RunAsync(QueuedMessage message, int deliveryCount, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(deliveryCount, 1);
        var stopped = _stops.TokenOf(message.FlowId);

        // A message of a flow stopped after it was accepted does not run its steps: it ends failed as if the stop had come
        // while it ran (and, like those, can be retried once the flow runs again). So stopping a flow that misbehaves frees
        // its workers at once, even with a backlog of its messages in the queue.
        if ((await _flows.GetAsync(message.FlowId, cancellationToken).ConfigureAwait(false))?.State != FlowState.Running)
        {
            stopped = new CancellationToken(canceled: true);
        }

        if (message.ResumeStepId is null && await IsTriggerOnlyAsync(message, cancellationToken).ConfigureAwait(false))
        {
            // No mapping or action runs, so nothing is cancelled by the stop: no linked token is made for it.
            return await RunCoreAsync(message, deliveryCount, cancellationToken, stopped, cancellationToken).ConfigureAwait(false);
        }

        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, stopped);
        return await RunCoreAsync(message, deliveryCount, cancellationToken, stopped, linked.Token).ConfigureAwait(false);
    }

    /// <param name="message">The message to run.</param>
    /// <param name="deliveryCount">How many times the queue delivered it, this time included.</param>
    /// <param name="cancellationToken">Abandons the run (host shutdown); also the token of the run-log writes.</param>
    /// <param name="stopped">Cancelled when the flow is stopped.</param>
    /// <param name="running">Either of the two: what the mappings and actions are cancelled with.</param>
    private async Task<FlowExecution> RunCoreAsync(QueuedMessage message, int deliveryCount, CancellationToken cancellationToken, CancellationToken stopped, CancellationToken running)
    {
        var compiled = await _compiledFlows.GetAsync(message.FlowId, message.FlowVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Flow '{message.FlowId}' version {message.FlowVersion} does not exist.");

        using var activity = FlowsTelemetry.ActivitySource.StartActivity("flows.execution", ActivityKind.Internal);
        activity?.SetTag("flows.flow_id", message.FlowId);
        activity?.SetTag("flows.flow_version", message.FlowVersion);
        activity?.SetTag("flows.execution_id", message.ExecutionId);
        activity?.SetTag("flows.request_id", message.RequestId);
        var started = _time.GetTimestamp();

        int startIndex;
        JObject stepOutputs;
        JObject incoming;
        if (message.ResumeStepId is null)
        {
            // A first delivery, or a redelivery after a crash: the execution starts over, recorded under the same id.
            // The trigger's output is written once, as bytes; it becomes a tree only when a step after the trigger maps it
            // or the run log takes trees.
            var trigger = compiled.Steps[0].Definition;
            var output = TriggerOutput.Compose(message.Body, message.Request);
            var compact = _runLog as IUtf8StepLog;
            var tree = compiled.Steps.Count > 1 || compact is null ? output.ToObject() : null;
            var execution = new FlowExecution
            {
                Id = message.ExecutionId,
                FlowId = message.FlowId,
                FlowVersion = message.FlowVersion,
                RequestId = message.RequestId,
                MessageId = message.MessageId,
                Status = ExecutionStatus.Running,
                DeliveryCount = deliveryCount,
                StartedAt = _time.GetUtcNow(),
            };
            var triggerStep = new StepExecution { StepId = trigger.Id, Status = ExecutionStatus.Succeeded, Output = tree, StartedAt = message.ReceivedAt };
            await (compact is not null
                ? compact.StartAsync(execution, triggerStep, output, cancellationToken)
                : _runLog.StartAsync(execution with { Steps = [triggerStep] }, cancellationToken)).ConfigureAwait(false);
            Log.ExecutionStarted(_logger, message.ExecutionId, message.FlowId, message.FlowVersion);
            startIndex = 1;
            incoming = tree ?? EmptyIncoming;
            stepOutputs = tree is null ? EmptyIncoming : new JObject { [trigger.Id] = tree };
        }
        else
        {
            startIndex = IndexOf(compiled, message.ResumeStepId);
            stepOutputs = message.StepOutputs ?? [];
            incoming = message.Body.ToObject();
            await _runLog.ResumeAsync(message.ExecutionId, rebound: message.Rebounds > 0, deliveryCount, cancellationToken).ConfigureAwait(false);
        }

        var run = new DeliveryRun(_invoker, _rebounds, compiled, message, running, cancellationToken);
        StepOutcome outcome;
        try
        {
            // A trigger-only flow has no step to run (and no tree of the trigger's output was built for it).
            outcome = startIndex >= compiled.Steps.Count ? StepOutcome.Completed
                : await run.RunStepAsync(startIndex, incoming, stepOutputs, message.Attempt, message.Rebounds).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (stopped.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            // Stopped between steps (a retry's wait, a rebound being queued): the step in progress takes the failure.
            run.FailStopped();
            outcome = StepOutcome.Failed;
        }

        var finished = await _runLog.FinishAsync(message.ExecutionId, outcome == StepOutcome.Failed, run.Failure, _time.GetUtcNow(), CancellationToken.None).ConfigureAwait(false);

        if (compiled.ExpectsReply && finished.Status != ExecutionStatus.Rebounding)
        {
            await _replies.AbandonAsync(message.ExecutionId, finished.Status == ExecutionStatus.Failed
                ? $"The flow failed before it replied: {run.FailureMessage}"
                : "The flow ended without sending a reply.", CancellationToken.None).ConfigureAwait(false);
        }

        var label = Label(finished.Status);
        FlowsTelemetry.Executions.Add(1, new KeyValuePair<string, object?>("flows.outcome", label));
        activity?.SetStatus(finished.Status == ExecutionStatus.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
        Log.ExecutionFinished(_logger, finished.Id, finished.FlowId, label, _time.GetElapsedTime(started).TotalMilliseconds);
        return finished;
    }

    private async ValueTask<bool> IsTriggerOnlyAsync(QueuedMessage message, CancellationToken cancellationToken) =>
        (await _compiledFlows.GetAsync(message.FlowId, message.FlowVersion, cancellationToken).ConfigureAwait(false))?.Steps.Count == 1;

    private static string Label(ExecutionStatus status) => status switch
    {
        ExecutionStatus.Succeeded => "succeeded",
        ExecutionStatus.Failed => "failed",
        ExecutionStatus.Rebounding => "rebounding",
        ExecutionStatus.Running => "running",
        _ => status.ToString().ToLowerInvariant(),
    };

    private static int IndexOf(CompiledFlow flow, string stepId)
    {
        for (var i = 1; i < flow.Steps.Count; i++)
        {
            if (flow.Steps[i].Definition.Id == stepId)
            {
                return i;
            }
        }

        throw new InvalidOperationException($"Flow '{flow.Version.FlowId}' version {flow.Version.Number} has no action step '{stepId}'.");
    }
}
