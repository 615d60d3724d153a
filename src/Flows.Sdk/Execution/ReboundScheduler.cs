using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>
/// Schedules a step's rebound: the step runs again later, from a new queued message that carries what it got, with its attempt
/// and rebound counts raised and a delay that doubles with each rebound (<see cref="WebhookFlowsOptions.ReboundInitialDelay"/>),
/// until <see cref="WebhookFlowsOptions.MaxRebounds"/>.
/// </summary>
internal sealed class ReboundScheduler
{
    private readonly IExecutionStore _runLog;
    private readonly IFlowQueue _queue;
    private readonly TimeProvider _time;
    private readonly WebhookFlowsOptions _options;
    private readonly ILogger _logger;

    public ReboundScheduler(IExecutionStore runLog, IFlowQueue queue, IOptions<WebhookFlowsOptions> options, TimeProvider time, ILoggerFactory loggerFactory)
    {
        _runLog = runLog;
        _queue = queue;
        _time = time;
        _options = options.Value;

        // The runner's category, as before the runner was split, so that a host's log filters still apply.
        _logger = loggerFactory.CreateLogger<FlowRunner>();
    }

    /// <summary>How long a step waits before its rebound number <paramref name="rebounds"/> + 1: the initial delay, doubled for each rebound before.</summary>
    public TimeSpan DelayOf(int rebounds) => TimeSpan.FromTicks(_options.ReboundInitialDelay.Ticks * (1L << Math.Min(rebounds, 30)));

    /// <summary>
    /// Queues the rebound of <paramref name="call"/>'s step, whose last attempt was <paramref name="attempt"/> and which has
    /// rebounded <paramref name="rebounds"/> times already; or, past the limit, records the step failed.
    /// </summary>
    /// <param name="message">The message being run (the rebound is a copy of it, under a new message id).</param>
    /// <param name="call">The step and what it got.</param>
    /// <param name="attempt">The step's last attempt number.</param>
    /// <param name="rebounds">How many times it rebounded before.</param>
    /// <param name="reason">Why the step asked for the rebound.</param>
    /// <param name="cancellationToken">Cancels the queueing: the host abandoning the run, or the flow's stop.</param>
    /// <param name="abandon">The host abandoning the run only: the run-log write of a refused rebound goes on after a stop.</param>
    /// <returns><see langword="null"/> when the rebound is queued; the error the step failed with when it is past the limit.</returns>
    /// <exception cref="InvalidOperationException">The queue refused the rebound.</exception>
    public async Task<StepError?> ScheduleAsync(
        QueuedMessage message, StepCall call, int attempt, int rebounds, string reason, CancellationToken cancellationToken, CancellationToken abandon)
    {
        var stepId = call.Step.Definition.Id;
        if (rebounds >= _options.MaxRebounds)
        {
            var error = new StepError("ReboundLimitExceeded", $"Rebound limit exceeded: the step asked for {rebounds + 1} rebounds, at most {_options.MaxRebounds} are allowed. Last reason: {reason}");
            await _runLog.AppendStepAsync(message.ExecutionId, new StepExecution
            {
                StepId = stepId,
                Attempt = attempt,
                Status = ExecutionStatus.Failed,
                Error = error,
                StartedAt = _time.GetUtcNow(),
            }, abandon).ConfigureAwait(false);
            return error;
        }

        var delay = DelayOf(rebounds);
        await _runLog.AddPendingReboundAsync(message.ExecutionId, cancellationToken).ConfigureAwait(false);
        var rebound = message with
        {
            MessageId = Ids.New(),
            Body = MessageBody.FromObject(call.Incoming),
            Request = null,
            ResumeStepId = stepId,
            StepOutputs = call.StepOutputs,
            Attempt = attempt + 1,
            Rebounds = rebounds + 1,
            NotBefore = _time.GetUtcNow() + delay,
        };
        if (!await _queue.TryEnqueueAsync(rebound, cancellationToken).ConfigureAwait(false))
        {
            throw new InvalidOperationException($"The rebound of step '{stepId}' could not be queued.");
        }

        Log.StepRebounding(_logger, message.ExecutionId, stepId, rebounds + 1, delay.TotalSeconds);
        return null;
    }
}
