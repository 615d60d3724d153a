using System.Diagnostics;
using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Flows;
using Flows.Sdk.Mapping;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// Runs queued work through a flow version: maps each action's input, calls the action (retrying transient failures),
/// passes what it emits on, schedules rebounds, delivers HTTP replies, and records every step attempt in the run log.
/// </summary>
internal sealed class FlowRunner
{
    /// <summary>Stands for the trigger's output of a trigger-only flow, which no step reads (never changed, never handed out).</summary>
    private static readonly JObject EmptyIncoming = [];

    private readonly CompiledFlowCache _compiledFlows;
    private readonly IExecutionStore _runLog;
    private readonly ICredentialStore _credentials;
    private readonly ISnapshotStore _snapshots;
    private readonly IFlowQueue _queue;
    private readonly IReplyChannel _replies;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly WebhookFlowsOptions _options;
    private readonly ILogger _logger;
    private readonly FlowStops _stops;
    private readonly IFlowStore _flows;

    public FlowRunner(
        CompiledFlowCache compiledFlows,
        IExecutionStore runLog,
        ICredentialStore credentials,
        ISnapshotStore snapshots,
        IFlowQueue queue,
        IReplyChannel replies,
        IServiceScopeFactory scopes,
        IOptions<WebhookFlowsOptions> options,
        TimeProvider time,
        ILoggerFactory loggerFactory,
        FlowStops stops,
        IFlowStore flows)
    {
        _stops = stops;
        _flows = flows;
        _compiledFlows = compiledFlows;
        _runLog = runLog;
        _credentials = credentials;
        _snapshots = snapshots;
        _queue = queue;
        _replies = replies;
        _scopes = scopes;
        _time = time;
        _loggerFactory = loggerFactory;
        _options = options.Value;
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

        var run = new Run(this, compiled, message, running, cancellationToken);
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

        var label = finished.Status.ToString().ToLowerInvariant();
        FlowsTelemetry.Executions.Add(1, new KeyValuePair<string, object?>("flows.outcome", label));
        activity?.SetStatus(finished.Status == ExecutionStatus.Failed ? ActivityStatusCode.Error : ActivityStatusCode.Ok);
        Log.ExecutionFinished(_logger, finished.Id, finished.FlowId, label, _time.GetElapsedTime(started).TotalMilliseconds);
        return finished;
    }

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

    private enum StepOutcome
    {
        Completed,
        Failed,
        Rebounding,
    }

    /// <summary>One delivery of queued work: the steps it runs and how they ended.</summary>
    /// <param name="runner">The runner.</param>
    /// <param name="flow">The flow version.</param>
    /// <param name="message">The message.</param>
    /// <param name="cancellationToken">Cancels mappings and actions: the host abandoning the run, or the flow's stop.</param>
    /// <param name="abandon">The host abandoning the run only: run-log writes go on after a stop.</param>
    private sealed class Run(FlowRunner runner, CompiledFlow flow, QueuedMessage message, CancellationToken cancellationToken, CancellationToken abandon)
    {
        private (CompiledStep Step, JObject Incoming, JObject StepOutputs, int Attempt)? _current;

        public FlowRunner Runner => runner;

        public string FlowId => flow.Version.FlowId;

        public string ExecutionId => message.ExecutionId;

        public CancellationToken Cancellation => cancellationToken;

        public ExecutionFailure? Failure { get; private set; }

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
        public async Task<StepOutcome> RunStepAsync(int index, JObject incoming, JObject stepOutputs, int attempt, int rebounds)
        {
            if (index >= flow.Steps.Count)
            {
                return StepOutcome.Completed;
            }

            var step = flow.Steps[index];
            _current = (step, incoming, stepOutputs, attempt);
            var result = await RunWithRetriesAsync(step, incoming, stepOutputs, attempt).ConfigureAwait(false);
            switch (result.Kind)
            {
                case StepOutcome.Failed:
                    Failure ??= new ExecutionFailure(step.Definition.Id, incoming, stepOutputs, result.Attempt);
                    FailureMessage ??= result.Error;
                    return StepOutcome.Failed;
                case StepOutcome.Rebounding:
                    return await ReboundAsync(step, incoming, stepOutputs, result.Attempt, rebounds, result.Error!).ConfigureAwait(false);
            }

            var outcome = StepOutcome.Completed;
            foreach (var output in result.Emitted)
            {
                var body = output as JObject ?? new JObject { ["value"] = output };
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

        private async Task<StepOutcome> ReboundAsync(CompiledStep step, JObject incoming, JObject stepOutputs, int attempt, int rebounds, string reason)
        {
            var options = runner._options;
            if (rebounds >= options.MaxRebounds)
            {
                var error = new StepError("ReboundLimitExceeded", $"Rebound limit exceeded: the step asked for {rebounds + 1} rebounds, at most {options.MaxRebounds} are allowed. Last reason: {reason}");
                await runner._runLog.AppendStepAsync(message.ExecutionId, new StepExecution
                {
                    StepId = step.Definition.Id,
                    Attempt = attempt,
                    Status = ExecutionStatus.Failed,
                    Error = error,
                    StartedAt = runner._time.GetUtcNow(),
                }, abandon).ConfigureAwait(false);
                Failure ??= new ExecutionFailure(step.Definition.Id, incoming, stepOutputs, attempt);
                FailureMessage ??= error.Message;
                return StepOutcome.Failed;
            }

            var delay = TimeSpan.FromTicks(options.ReboundInitialDelay.Ticks * (1L << Math.Min(rebounds, 30)));
            await runner._runLog.AddPendingReboundAsync(message.ExecutionId, cancellationToken).ConfigureAwait(false);
            var rebound = message with
            {
                MessageId = Ids.New(),
                Body = MessageBody.FromObject(incoming),
                Request = null,
                ResumeStepId = step.Definition.Id,
                StepOutputs = stepOutputs,
                Attempt = attempt + 1,
                Rebounds = rebounds + 1,
                NotBefore = runner._time.GetUtcNow() + delay,
            };
            if (!await runner._queue.TryEnqueueAsync(rebound, cancellationToken).ConfigureAwait(false))
            {
                throw new InvalidOperationException($"The rebound of step '{step.Definition.Id}' could not be queued.");
            }

            Log.StepRebounding(runner._logger, message.ExecutionId, step.Definition.Id, rebounds + 1, delay.TotalSeconds);
            return StepOutcome.Rebounding;
        }

        /// <summary>Runs a step, retrying transient failures with backoff; records every attempt.</summary>
        private async Task<StepResult> RunWithRetriesAsync(CompiledStep step, JObject incoming, JObject stepOutputs, int attempt)
        {
            var options = runner._options;
            for (var retry = 0; ; retry++)
            {
                var result = await RunOnceAsync(step, incoming, stepOutputs, attempt + retry).ConfigureAwait(false);
                if (!result.Transient || retry >= options.TransientRetryCount)
                {
                    return result;
                }

                var delay = TransientFailures.Backoff(retry + 1, options.TransientRetryDelay, options.TransientRetryMaxDelay);
                Log.StepRetrying(runner._logger, message.ExecutionId, step.Definition.Id, retry + 1, delay.TotalMilliseconds);
                await Task.Delay(delay, runner._time, cancellationToken).ConfigureAwait(false);
            }
        }

        private async Task<StepResult> RunOnceAsync(CompiledStep step, JObject incoming, JObject stepOutputs, int attempt)
        {
            var started = runner._time.GetUtcNow();
            var startedTimestamp = runner._time.GetTimestamp();
            using var activity = FlowsTelemetry.ActivitySource.StartActivity("flows.step");
            activity?.SetTag("flows.step_id", step.Definition.Id);
            activity?.SetTag("flows.component", step.Definition.ComponentId);
            activity?.SetTag("flows.function", step.Definition.Function);
            activity?.SetTag("flows.attempt", attempt);

            JObject? input = null;
            StepError? error = null;
            Exception? exception = null;
            var transient = false;
            var context = default(RunnerActionContext);
            try
            {
                // Stopped or abandoned before this attempt began (a queued message of a stopped flow): recorded below as stopped.
                cancellationToken.ThrowIfCancellationRequested();
                input = MapInput(step, incoming, stepOutputs, cancellationToken);
                var credential = await LoadCredentialAsync(step).ConfigureAwait(false);
                var snapshot = await runner._snapshots.GetAsync(flow.Version.FlowId, step.Definition.Id, cancellationToken).ConfigureAwait(false);
                await using var scope = runner._scopes.CreateAsyncScope();
                var implementation = ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, step.Action!.Implementation);
                context = new RunnerActionContext(this, step, input, new FlowMessage(message.MessageId, incoming), credential, snapshot, attempt,
                    runner._loggerFactory.CreateLogger(step.Action.Implementation));
                switch (implementation)
                {
                    case IFlowAction action:
                        var result = await action.ExecuteAsync(context).ConfigureAwait(false);
                        if (result is not null)
                        {
                            await context.EmitAsync(result).ConfigureAwait(false);
                        }

                        break;
                    case IStreamingFlowAction streaming:
                        await foreach (var item in streaming.ExecuteAsync(context).WithCancellation(cancellationToken).ConfigureAwait(false))
                        {
                            await context.EmitAsync(item).ConfigureAwait(false);
                        }

                        break;
                }

                if (context.ErrorMessage is { } emittedError)
                {
                    error = new StepError("EmittedError", emittedError);
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested && abandon.IsCancellationRequested)
            {
                throw;
            }
            catch (OperationCanceledException e) when (cancellationToken.IsCancellationRequested)
            {
                // The flow was stopped: this attempt fails, for good (no retry, no rebound), and the worker is free again.
                _ = e;
                error = new StepError("FlowStopped", FlowStops.StoppedMessage);
            }
            catch (StepInputException e)
            {
                error = new StepError(e.ErrorType, e.Message);
                exception = e.InnerException;
            }
            catch (Exception e)
            {
                error = new StepError(e.GetType().Name, e.Message);
                exception = e;
                transient = TransientFailures.IsTransient(e, cancellationToken);
            }

            var rebound = error is null ? context?.ReboundReason : null;
            var emitted = error is null && rebound is null ? context!.Emitted : [];
            var duration = runner._time.GetElapsedTime(startedTimestamp);
            FlowsTelemetry.StepDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("flows.component", step.Definition.ComponentId));
            await runner._runLog.AppendStepAsync(message.ExecutionId, new StepExecution
            {
                StepId = step.Definition.Id,
                Attempt = attempt,
                Status = error is not null ? ExecutionStatus.Failed : rebound is not null ? ExecutionStatus.Rebounding : ExecutionStatus.Succeeded,
                Input = input,
                Output = emitted.Count switch { 0 => null, 1 => emitted[0], _ => new JArray(emitted) },
                Error = error ?? (rebound is null ? null : new StepError("Rebound", rebound)),
                StartedAt = started,
                Duration = duration,
            }, abandon).ConfigureAwait(false);

            if (error is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error.Type);
                Log.StepFailed(runner._logger, message.ExecutionId, step.Definition.Id, error.Type, exception);
                return new StepResult(StepOutcome.Failed, attempt, [], $"{step.Definition.Id}: {error.Message}", transient);
            }

            return rebound is not null
                ? new StepResult(StepOutcome.Rebounding, attempt, [], rebound, false)
                : new StepResult(StepOutcome.Completed, attempt, emitted, null, false);
        }

        /// <summary>
        /// Evaluates the step's mapping under the host's limits (<c>JsonataOptions.TimeLimit</c>, <c>MaxEvaluationSize</c>) or the
        /// step's own <see cref="StepDefinition.MappingTimeLimitSeconds"/>; an overrun (U1001, U1002) fails the step for good.
        /// </summary>
        private static JObject MapInput(CompiledStep step, JObject body, JObject stepOutputs, CancellationToken cancellationToken)
        {
            var limits = step.Limits;
            var bindings = new Dictionary<string, JToken?>(StringComparer.Ordinal) { ["steps"] = stepOutputs };
            var input = new JObject();
            if (step.InputExpression is { } whole)
            {
                JToken? value;
                try
                {
                    value = whole.Evaluate(body, bindings, limits, cancellationToken);
                }
                catch (MappingException e)
                {
                    throw new StepInputException("MappingError", $"The mapping expression failed ({e.Code}): {e.Message}", e);
                }

                input = value as JObject ?? throw new StepInputException("MappingError",
                    $"The mapping expression must give an object, but gave {(value is null ? "nothing" : value.Type.ToString().ToLowerInvariant())}.");
            }

            foreach (var field in step.Mapping)
            {
                JToken? value;
                try
                {
                    value = field.Expression.Evaluate(body, bindings, limits, cancellationToken);
                }
                catch (MappingException e)
                {
                    throw new StepInputException("MappingError", $"Mapping of input field '{field.Field}' failed ({e.Code}): {e.Message}", e);
                }

                if (value is not null)
                {
                    input[field.Field] = value;
                }
            }

            foreach (var required in step.RequiredInputs)
            {
                if (input[required] is null or { Type: JTokenType.Null })
                {
                    var source = step.Mapping.FirstOrDefault(m => m.Field == required)?.Expression.Source ?? "(unmapped)";
                    throw new StepInputException("InputValidationError", $"The required input field '{required}' is missing: its mapping '{source}' gave no value.");
                }
            }

            if (InputValidator.Validate(input, step.InMetadata) is { } violation)
            {
                throw new StepInputException("InputValidationError", violation);
            }

            return input;
        }

        private async ValueTask<JObject> LoadCredentialAsync(CompiledStep step)
        {
            if (step.Definition.CredentialId is null)
            {
                return [];
            }

            var credential = await runner._credentials.GetAsync(step.Definition.CredentialId, cancellationToken).ConfigureAwait(false)
                ?? throw new StepInputException("CredentialError", $"Credential '{step.Definition.CredentialId}' no longer exists.");
            return credential.Fields;
        }

        private sealed class RunnerActionContext(
            Run run, CompiledStep step, JObject input, FlowMessage message, JObject credential, JObject? snapshot, int attempt, ILogger logger)
            : ActionContext
        {
            public List<JToken> Emitted { get; } = [];

            public string? ReboundReason { get; private set; }

            public string? ErrorMessage { get; private set; }

            public override JObject Input => input;

            public override FlowMessage Message => message;

            public override JObject Configuration => step.Definition.Configuration ?? [];

            public override JObject Credential => credential;

            public override JObject? Snapshot => snapshot;

            public override int Attempt => attempt;

            public override ILogger Logger => logger;

            public override string FlowId => run.FlowId;

            public override string StepId => step.Definition.Id;

            public override string ExecutionId => run.ExecutionId;

            public override CancellationToken CancellationToken => run.Cancellation;

            public override ValueTask EmitAsync(JToken data)
            {
                ArgumentNullException.ThrowIfNull(data);
                Emitted.Add(data);
                return default;
            }

            public override async ValueTask EmitSnapshotAsync(JObject snapshot)
            {
                ArgumentNullException.ThrowIfNull(snapshot);
                await run.Runner._snapshots.SaveAsync(FlowId, StepId, snapshot, run.Cancellation).ConfigureAwait(false);
            }

            public override ValueTask EmitReboundAsync(string reason)
            {
                ReboundReason = string.IsNullOrWhiteSpace(reason) ? "Rebound requested." : reason;
                return default;
            }

            public override ValueTask EmitErrorAsync(string message)
            {
                ErrorMessage ??= string.IsNullOrWhiteSpace(message) ? "The action emitted an error." : message;
                return default;
            }

            public override async ValueTask EmitHttpReplyAsync(HttpReply reply)
            {
                ArgumentNullException.ThrowIfNull(reply);
                await run.Runner._replies.PublishAsync(ExecutionId, reply, run.Cancellation).ConfigureAwait(false);
            }
        }
    }

    private sealed record StepResult(StepOutcome Kind, int Attempt, IReadOnlyList<JToken> Emitted, string? Error, bool Transient);

    /// <summary>A step failed before or around the action, for a reason the engine names.</summary>
    private sealed class StepInputException(string errorType, string message, Exception? inner = null) : Exception(message, inner)
    {
        public string ErrorType { get; } = errorType;
    }
}
