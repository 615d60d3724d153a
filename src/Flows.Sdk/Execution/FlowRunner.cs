using System.Diagnostics;
using Flows.Sdk.Components;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Flows;
using Flows.Sdk.Mapping;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// Runs one accepted message through a flow version: maps each action's input, calls the action, passes what it emits on,
/// and records every step in the run log.
/// </summary>
internal sealed class FlowRunner
{
    private readonly CompiledFlowCache compiledFlows;
    private readonly IExecutionStore executions;
    private readonly ICredentialStore credentials;
    private readonly IServiceScopeFactory scopes;
    private readonly TimeProvider time;
    private readonly ILoggerFactory loggerFactory;
    private readonly ILogger _logger;

    public FlowRunner(
        CompiledFlowCache compiledFlows,
        IExecutionStore executions,
        ICredentialStore credentials,
        IServiceScopeFactory scopes,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        this.compiledFlows = compiledFlows;
        this.executions = executions;
        this.credentials = credentials;
        this.scopes = scopes;
        this.time = time;
        this.loggerFactory = loggerFactory;
        _logger = loggerFactory.CreateLogger<FlowRunner>();
    }

    public async Task<FlowExecution> RunAsync(QueuedMessage message, CancellationToken cancellationToken)
    {
        var compiled = await compiledFlows.GetAsync(message.FlowId, message.FlowVersion, cancellationToken).ConfigureAwait(false)
            ?? throw new InvalidOperationException($"Flow '{message.FlowId}' version {message.FlowVersion} does not exist.");

        using var activity = FlowsTelemetry.ActivitySource.StartActivity("flows.execution", ActivityKind.Internal);
        activity?.SetTag("flows.flow_id", message.FlowId);
        activity?.SetTag("flows.flow_version", message.FlowVersion);
        activity?.SetTag("flows.request_id", message.RequestId);

        var started = time.GetTimestamp();
        var run = new Run(this, compiled, message, cancellationToken);
        var execution = new FlowExecution
        {
            Id = message.ExecutionId,
            FlowId = message.FlowId,
            FlowVersion = message.FlowVersion,
            RequestId = message.RequestId,
            MessageId = message.MessageId,
            Status = ExecutionStatus.Running,
            StartedAt = time.GetUtcNow(),
        };
        run.Execution = execution;
        activity?.SetTag("flows.execution_id", execution.Id);
        Log.ExecutionStarted(_logger, execution.Id, message.FlowId, message.FlowVersion);

        // The trigger step's output is the message the hook accepted.
        var trigger = compiled.Steps[0].Definition;
        run.Record(new StepExecution
        {
            StepId = trigger.Id,
            Status = ExecutionStatus.Succeeded,
            Output = message.Body,
            StartedAt = message.ReceivedAt,
        });
        await executions.SaveAsync(run.Execution, cancellationToken).ConfigureAwait(false);

        var stepOutputs = new JObject { [trigger.Id] = message.Body };
        var succeeded = await run.RunStepAsync(1, new FlowMessage(message.MessageId, message.Body), stepOutputs).ConfigureAwait(false);

        var status = succeeded ? ExecutionStatus.Succeeded : ExecutionStatus.Failed;
        var finished = run.Execution with { Status = status, FinishedAt = time.GetUtcNow() };
        await executions.SaveAsync(finished, CancellationToken.None).ConfigureAwait(false);

        var elapsed = time.GetElapsedTime(started);
        FlowsTelemetry.Executions.Add(1, new KeyValuePair<string, object?>("flows.outcome", status.ToString().ToLowerInvariant()));
        activity?.SetStatus(succeeded ? ActivityStatusCode.Ok : ActivityStatusCode.Error);
        Log.ExecutionFinished(_logger, finished.Id, finished.FlowId, status.ToString().ToLowerInvariant(), elapsed.TotalMilliseconds);
        return finished;
    }

    /// <summary>The state of one execution while it runs.</summary>
    private sealed class Run(FlowRunner runner, CompiledFlow flow, QueuedMessage message, CancellationToken cancellationToken)
    {
        private readonly List<StepExecution> _steps = [];

        public FlowExecution Execution { get; set; } = null!;

        public void Record(StepExecution step)
        {
            _steps.Add(step);
            Execution = Execution with { Steps = _steps.ToArray() };
        }

        /// <summary>Runs step <paramref name="index"/> and, for each message it emits, the steps after it. Returns false when a step failed.</summary>
        public async Task<bool> RunStepAsync(int index, FlowMessage incoming, JObject stepOutputs)
        {
            if (index >= flow.Steps.Count)
            {
                return true;
            }

            cancellationToken.ThrowIfCancellationRequested();
            var step = flow.Steps[index];
            var started = runner.time.GetUtcNow();
            var startedTimestamp = runner.time.GetTimestamp();
            using var activity = FlowsTelemetry.ActivitySource.StartActivity("flows.step");
            activity?.SetTag("flows.step_id", step.Definition.Id);
            activity?.SetTag("flows.component", step.Definition.ComponentId);
            activity?.SetTag("flows.function", step.Definition.Function);

            JObject? input = null;
            var emitted = new List<JToken>();
            StepError? error = null;
            Exception? exception = null;
            try
            {
                input = MapInput(step, incoming.Body, stepOutputs);
                var credential = await LoadCredentialAsync(step).ConfigureAwait(false);
                await using var scope = runner.scopes.CreateAsyncScope();
                var implementation = ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, step.Action!.Implementation);
                var context = new RunnerActionContext(
                    input, incoming, step.Definition.Configuration ?? [], credential,
                    runner.loggerFactory.CreateLogger(step.Action.Implementation), flow.Version.FlowId, step.Definition.Id, Execution.Id,
                    emitted, cancellationToken);
                switch (implementation)
                {
                    case IFlowAction action:
                        var result = await action.ExecuteAsync(context).ConfigureAwait(false);
                        if (result is not null)
                        {
                            emitted.Add(result);
                        }

                        break;
                    case IStreamingFlowAction streaming:
                        await foreach (var item in streaming.ExecuteAsync(context).WithCancellation(cancellationToken).ConfigureAwait(false))
                        {
                            emitted.Add(item);
                        }

                        break;
                }
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                throw;
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
            }

            var duration = runner.time.GetElapsedTime(startedTimestamp);
            FlowsTelemetry.StepDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("flows.component", step.Definition.ComponentId));
            Record(new StepExecution
            {
                StepId = step.Definition.Id,
                Status = error is null ? ExecutionStatus.Succeeded : ExecutionStatus.Failed,
                Input = input,
                Output = emitted.Count switch { 0 => null, 1 => emitted[0], _ => new JArray(emitted) },
                Error = error,
                StartedAt = started,
                Duration = duration,
            });
            await runner.executions.SaveAsync(Execution, cancellationToken).ConfigureAwait(false);

            if (error is not null)
            {
                activity?.SetStatus(ActivityStatusCode.Error, error.Type);
                Log.StepFailed(runner._logger, Execution.Id, step.Definition.Id, error.Type, exception);
                return false;
            }

            foreach (var output in emitted)
            {
                var body = output as JObject ?? new JObject { ["value"] = output };
                var outputs = (JObject)stepOutputs.DeepClone();
                outputs[step.Definition.Id] = body;
                if (!await RunStepAsync(index + 1, new FlowMessage(message.MessageId, body), outputs).ConfigureAwait(false))
                {
                    return false;
                }
            }

            return true;
        }

        private static JObject MapInput(CompiledStep step, JObject body, JObject stepOutputs)
        {
            var bindings = new Dictionary<string, JToken?>(StringComparer.Ordinal) { ["steps"] = stepOutputs };
            var input = new JObject();
            foreach (var field in step.Mapping)
            {
                JToken? value;
                try
                {
                    value = field.Expression.Evaluate(body, bindings);
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

            foreach (var required in step.Action!.RequiredInputs)
            {
                if (input[required] is null or { Type: JTokenType.Null })
                {
                    throw new StepInputException("InputValidationError", $"The required input field '{required}' is missing: its mapping '{FindSource(step, required)}' gave no value.");
                }
            }

            return input;
        }

        private static string FindSource(CompiledStep step, string field) =>
            step.Mapping.FirstOrDefault(m => m.Field == field)?.Expression.Source ?? "(unmapped)";

        private async ValueTask<JObject> LoadCredentialAsync(CompiledStep step)
        {
            if (step.Definition.CredentialId is null)
            {
                return [];
            }

            var credential = await runner.credentials.GetAsync(step.Definition.CredentialId, cancellationToken).ConfigureAwait(false)
                ?? throw new StepInputException("CredentialError", $"Credential '{step.Definition.CredentialId}' no longer exists.");
            return credential.Fields;
        }
    }

    /// <summary>A step failed before or around the action, for a reason the engine names.</summary>
    private sealed class StepInputException(string errorType, string message, Exception? inner = null) : Exception(message, inner)
    {
        public string ErrorType { get; } = errorType;
    }

    private sealed class RunnerActionContext(
        JObject input,
        FlowMessage message,
        JObject configuration,
        JObject credential,
        ILogger logger,
        string flowId,
        string stepId,
        string executionId,
        List<JToken> emitted,
        CancellationToken cancellationToken) : ActionContext
    {
        public override JObject Input => input;

        public override FlowMessage Message => message;

        public override JObject Configuration => configuration;

        public override JObject Credential => credential;

        public override ILogger Logger => logger;

        public override string FlowId => flowId;

        public override string StepId => stepId;

        public override string ExecutionId => executionId;

        public override CancellationToken CancellationToken => cancellationToken;

        public override ValueTask EmitAsync(JToken data)
        {
            ArgumentNullException.ThrowIfNull(data);
            emitted.Add(data);
            return default;
        }
    }
}
