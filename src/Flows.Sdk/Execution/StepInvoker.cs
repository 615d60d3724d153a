using System.Diagnostics;
using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// Runs one step of an execution: maps its input, calls its action (retrying transient failures with backoff), records every
/// attempt in the run log, and tells how the step ended (completed with what it emitted, failed, or asking for a rebound).
/// </summary>
internal sealed class StepInvoker
{
    private readonly IExecutionStore _runLog;
    private readonly ICredentialStore _credentials;
    private readonly ISnapshotStore _snapshots;
    private readonly IReplyChannel _replies;
    private readonly IServiceScopeFactory _scopes;
    private readonly TimeProvider _time;
    private readonly ILoggerFactory _loggerFactory;
    private readonly WebhookFlowsOptions _options;
    private readonly ILogger _logger;

    public StepInvoker(
        IExecutionStore runLog,
        ICredentialStore credentials,
        ISnapshotStore snapshots,
        IReplyChannel replies,
        IServiceScopeFactory scopes,
        IOptions<WebhookFlowsOptions> options,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        _runLog = runLog;
        _credentials = credentials;
        _snapshots = snapshots;
        _replies = replies;
        _scopes = scopes;
        _time = time;
        _loggerFactory = loggerFactory;
        _options = options.Value;

        // The runner's category, as before the runner was split, so that a host's log filters still apply.
        _logger = loggerFactory.CreateLogger<FlowRunner>();
    }

    /// <summary>Runs a step, retrying transient failures with backoff (<see cref="WebhookFlowsOptions.TransientRetryCount"/>); records every attempt.</summary>
    /// <param name="call">The step and what it gets.</param>
    /// <param name="cancellationToken">Cancels mappings and actions: the host abandoning the run, or the flow's stop.</param>
    /// <param name="abandon">The host abandoning the run only: the run-log writes go on after a stop.</param>
    /// <exception cref="OperationCanceledException">
    /// The host abandoned the run (<paramref name="abandon"/>), or the flow was stopped while waiting for a retry.
    /// </exception>
    public async Task<StepResult> InvokeAsync(StepCall call, CancellationToken cancellationToken, CancellationToken abandon)
    {
        for (var retry = 0; ; retry++)
        {
            var result = await InvokeOnceAsync(call, call.Attempt + retry, cancellationToken, abandon).ConfigureAwait(false);
            if (!result.Transient || retry >= _options.TransientRetryCount)
            {
                return result;
            }

            var delay = TransientFailures.Backoff(retry + 1, _options.TransientRetryDelay, _options.TransientRetryMaxDelay);
            Log.StepRetrying(_logger, call.ExecutionId, call.Step.Definition.Id, retry + 1, delay.TotalMilliseconds);
            await Task.Delay(delay, _time, cancellationToken).ConfigureAwait(false);
        }
    }

    private async Task<StepResult> InvokeOnceAsync(StepCall call, int attempt, CancellationToken cancellationToken, CancellationToken abandon)
    {
        var step = call.Step;
        var started = _time.GetUtcNow();
        var startedTimestamp = _time.GetTimestamp();
        using var activity = FlowsTelemetry.ActivitySource.StartActivity("flows.step");
        activity?.SetTag("flows.step_id", step.Definition.Id);
        activity?.SetTag("flows.component", step.Definition.ComponentId);
        activity?.SetTag("flows.function", step.Definition.Function);
        activity?.SetTag("flows.attempt", attempt);

        JObject? input = null;
        StepError? error = null;
        Exception? exception = null;
        var transient = false;
        var context = default(StepActionContext);
        try
        {
            // Stopped or abandoned before this attempt began (a queued message of a stopped flow): recorded below as stopped.
            cancellationToken.ThrowIfCancellationRequested();
            input = step.Mapping.Apply(call.Incoming, new Dictionary<string, JToken?>(StringComparer.Ordinal) { ["steps"] = call.StepOutputs }, sharedTimeLimit: null, cancellationToken);
            var credential = await LoadCredentialAsync(step, cancellationToken).ConfigureAwait(false);
            var snapshot = await _snapshots.GetAsync(call.FlowId, step.Definition.Id, cancellationToken).ConfigureAwait(false);
            await using var scope = _scopes.CreateAsyncScope();
            var implementation = ActivatorUtilities.GetServiceOrCreateInstance(scope.ServiceProvider, step.Action!.Implementation);
            context = new StepActionContext(call, input, credential, snapshot, attempt, _loggerFactory.CreateLogger(step.Action.Implementation),
                _snapshots, _replies, cancellationToken);
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
        catch (StepMappingException e)
        {
            // The mapping failed or overran its limits (U1001, U1002), or the input does not fit: for good, no retry.
            error = new StepError(e.ErrorType, e.Message);
            exception = e.InnerException;
        }
        catch (CredentialMissingException e)
        {
            error = new StepError("CredentialError", e.Message);
        }
        catch (Exception e)
        {
            error = new StepError(e.GetType().Name, e.Message);
            exception = e;
            transient = TransientFailures.IsTransient(e, cancellationToken);
        }

        var rebound = error is null ? context?.ReboundReason : null;
        var emitted = error is null && rebound is null ? context!.Emitted : [];
        var duration = _time.GetElapsedTime(startedTimestamp);
        FlowsTelemetry.StepDuration.Record(duration.TotalMilliseconds, new KeyValuePair<string, object?>("flows.component", step.Definition.ComponentId));
        await _runLog.AppendStepAsync(call.ExecutionId, new StepExecution
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
            Log.StepFailed(_logger, call.ExecutionId, step.Definition.Id, error.Type, exception);
            return new StepResult(StepOutcome.Failed, attempt, [], $"{step.Definition.Id}: {error.Message}", transient);
        }

        return rebound is not null
            ? new StepResult(StepOutcome.Rebounding, attempt, [], rebound, false)
            : new StepResult(StepOutcome.Completed, attempt, emitted, null, false);
    }

    private async ValueTask<JObject> LoadCredentialAsync(CompiledStep step, CancellationToken cancellationToken)
    {
        if (step.Definition.CredentialId is null)
        {
            return [];
        }

        var credential = await _credentials.GetAsync(step.Definition.CredentialId, cancellationToken).ConfigureAwait(false)
            ?? throw new CredentialMissingException($"Credential '{step.Definition.CredentialId}' no longer exists.");
        return credential.Fields;
    }

    /// <summary>The step's credential was deleted after the flow was published.</summary>
    private sealed class CredentialMissingException(string message) : Exception(message);
}
