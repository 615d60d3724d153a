using Microsoft.Extensions.Logging;

namespace Flows.Sdk.PostgreSql;

/// <summary>The PostgreSQL store's log events (55xx).</summary>
internal static partial class Log
{
    [LoggerMessage(5501, LogLevel.Information, "PostgreSQL store ready in schema {Schema} (schema version {Version}; {Applied} migrations applied by this node)")]
    public static partial void Opened(ILogger logger, string schema, int version, int applied);

    [LoggerMessage(5502, LogLevel.Warning, "PostgreSQL store cannot be reached: {Reason}. Operations fail and are answered 503 until it can again; this is logged once per outage")]
    public static partial void StorageUnavailable(ILogger logger, string reason, Exception exception);

    [LoggerMessage(5503, LogLevel.Warning, "PostgreSQL store still cannot be reached ({Reason}): {Count} operations failed in the last {Seconds} s, down for {DownSeconds} s")]
    public static partial void StorageStillUnavailable(ILogger logger, string reason, long count, long seconds, long downSeconds);

    [LoggerMessage(5504, LogLevel.Information, "PostgreSQL store reachable again after {DownSeconds} s; {Count} operations failed meanwhile")]
    public static partial void StorageRecovered(ILogger logger, long downSeconds, long count);

    [LoggerMessage(5505, LogLevel.Warning, "PostgreSQL store could not be prepared at start ({Reason}); the host starts and every operation tries again, answered 503 until the database is reachable")]
    public static partial void StartDeferred(ILogger logger, string reason);

    [LoggerMessage(5506, LogLevel.Warning, "PostgreSQL flow-state feed lost its LISTEN connection; it reconnects and then re-reads every flow's state")]
    public static partial void FeedDisconnected(ILogger logger, Exception exception);

    [LoggerMessage(5507, LogLevel.Information, "PostgreSQL flow-state feed listening on channel {Channel}; {Flows} flows' states re-read")]
    public static partial void FeedListening(ILogger logger, string channel, int flows);

    [LoggerMessage(5508, LogLevel.Warning, "PostgreSQL flow-state feed could not announce the change of flow {FlowId} (revision {Revision}); it is sent again when the database is reachable")]
    public static partial void FeedPublishDeferred(ILogger logger, string flowId, long revision, Exception exception);

    [LoggerMessage(5509, LogLevel.Error, "A flow-state subscriber failed on the change of flow {FlowId} ({Kind})")]
    public static partial void FeedSubscriberFailed(ILogger logger, Exception exception, string flowId, string kind);

    [LoggerMessage(5510, LogLevel.Warning, "PostgreSQL run log: dropping the finished executions of flow {FlowId} beyond its count cap failed; the next finishes and the pruner try again")]
    public static partial void RunLogTrimFailed(ILogger logger, string flowId, Exception exception);

    [LoggerMessage(5511, LogLevel.Warning, "PostgreSQL queue: the lease of message {MessageId} of flow {FlowId} expired after delivery {Deliveries} without acknowledgement; it is delivered again")]
    public static partial void LeaseExpired(ILogger logger, string messageId, string flowId, int deliveries);

    [LoggerMessage(5512, LogLevel.Warning, "PostgreSQL queue: fetching messages failed; trying again in {DelayMs} ms")]
    public static partial void QueuePollFailed(ILogger logger, long delayMs, Exception exception);
}
