using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Diagnostics;

/// <summary>
/// Every log event of the engine, with stable event ids: 1xxx flows, 2xxx hooks, 3xxx executions, 4xxx credentials
/// (3009 and 3013, the shutdown events, are logged by Flows.Sdk.Hosting's hosted service).
/// No event carries a secret or a message body.
/// </summary>
internal static partial class Log
{
    [LoggerMessage(1001, LogLevel.Information, "Flow {FlowId} created")]
    public static partial void FlowCreated(ILogger logger, string flowId);

    [LoggerMessage(1002, LogLevel.Information, "Flow {FlowId} published as version {Version}")]
    public static partial void FlowPublished(ILogger logger, string flowId, int version);

    [LoggerMessage(1003, LogLevel.Information, "Flow {FlowId} started on version {Version}")]
    public static partial void FlowStarted(ILogger logger, string flowId, int version);

    [LoggerMessage(1004, LogLevel.Information, "Flow {FlowId} stopped")]
    public static partial void FlowStopped(ILogger logger, string flowId);

    [LoggerMessage(1005, LogLevel.Information, "Flow {FlowId} renamed")]
    public static partial void FlowRenamed(ILogger logger, string flowId);

    [LoggerMessage(1006, LogLevel.Information, "Flow {FlowId} deleted")]
    public static partial void FlowDeleted(ILogger logger, string flowId);

    [LoggerMessage(1101, LogLevel.Error, "A flow-state subscriber failed on the {Kind} change of flow {FlowId}; the other subscribers got it")]
    public static partial void FlowStateSubscriberFailed(ILogger logger, Exception exception, string flowId, string kind);

    [LoggerMessage(2001, LogLevel.Debug, "Hook request {RequestId} accepted for flow {FlowId} version {Version}")]
    public static partial void HookAccepted(ILogger logger, string requestId, string flowId, int version);

    [LoggerMessage(2002, LogLevel.Information, "Hook request for flow {FlowId} refused with {StatusCode}: {Reason}")]
    public static partial void HookRefused(ILogger logger, string flowId, int statusCode, string reason);

    [LoggerMessage(2003, LogLevel.Warning, "Hook request for flow {FlowId} refused: the queue is full")]
    public static partial void HookQueueFull(ILogger logger, string flowId);

    [LoggerMessage(2004, LogLevel.Information, "Hook request for flow {FlowId} is a replay of request {FirstRequestId}: acknowledged, not run again")]
    public static partial void HookReplay(ILogger logger, string flowId, string firstRequestId);

    [LoggerMessage(2005, LogLevel.Warning, "A refused hook request for flow {FlowId} could not be recorded")]
    public static partial void RefusalNotRecorded(ILogger logger, Exception exception, string flowId);

    [LoggerMessage(3001, LogLevel.Debug, "Execution {ExecutionId} of flow {FlowId} version {Version} started")]
    public static partial void ExecutionStarted(ILogger logger, string executionId, string flowId, int version);

    [LoggerMessage(3002, LogLevel.Information, "Execution {ExecutionId} of flow {FlowId} ended {Status} in {DurationMs} ms")]
    public static partial void ExecutionFinished(ILogger logger, string executionId, string flowId, string status, double durationMs);

    [LoggerMessage(3003, LogLevel.Warning, "Step {StepId} of execution {ExecutionId} failed: {ErrorType}")]
    public static partial void StepFailed(ILogger logger, string executionId, string stepId, string errorType, Exception? exception);

    [LoggerMessage(3004, LogLevel.Error, "Message {MessageId} of flow {FlowId} could not be run")]
    public static partial void MessageFailed(ILogger logger, string messageId, string flowId, Exception exception);

    [LoggerMessage(3005, LogLevel.Information, "Flow workers started: {Concurrency} at once")]
    public static partial void WorkersStarted(ILogger logger, int concurrency);

    [LoggerMessage(3006, LogLevel.Information, "Flow workers stopped")]
    public static partial void WorkersStopped(ILogger logger);

    [LoggerMessage(3007, LogLevel.Information, "Step {StepId} of execution {ExecutionId} rebounds ({Rebound}), again in {DelaySeconds} s")]
    public static partial void StepRebounding(ILogger logger, string executionId, string stepId, int rebound, double delaySeconds);

    [LoggerMessage(3008, LogLevel.Information, "Step {StepId} of execution {ExecutionId} failed transiently; retry {Retry} in {DelayMs} ms")]
    public static partial void StepRetrying(ILogger logger, string executionId, string stepId, int retry, double delayMs);

    [LoggerMessage(3010, LogLevel.Information, "Run log pruned: {Count} executions of flow {FlowId} deleted")]
    public static partial void RunLogPruned(ILogger logger, string flowId, int count);

    [LoggerMessage(3011, LogLevel.Error, "Run log pruning failed")]
    public static partial void RunLogPruneFailed(ILogger logger, Exception exception);

    [LoggerMessage(3012, LogLevel.Warning, "Message {MessageId} of flow {FlowId} (execution {ExecutionId}) was abandoned at shutdown; a durable queue delivers it again")]
    public static partial void MessageAbandoned(ILogger logger, string messageId, string flowId, string executionId);

    [LoggerMessage(3014, LogLevel.Debug, "Message {MessageId} of flow {FlowId} is put back for {DelaySeconds} s: the store is unavailable")]
    public static partial void MessagePutBack(ILogger logger, string messageId, string flowId, double delaySeconds);

    [LoggerMessage(4003, LogLevel.Information, "Credential {CredentialId} deleted")]
    public static partial void CredentialDeleted(ILogger logger, string credentialId);

    [LoggerMessage(4001, LogLevel.Information, "Credential {CredentialId} created for component {ComponentId}")]
    public static partial void CredentialCreated(ILogger logger, string credentialId, string componentId);

    [LoggerMessage(4002, LogLevel.Information, "Credential {CredentialId} verification: {Verified}")]
    public static partial void CredentialVerified(ILogger logger, string credentialId, bool verified);
}
