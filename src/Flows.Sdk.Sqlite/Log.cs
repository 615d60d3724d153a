using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Sqlite;

/// <summary>The SQLite store's log events (5xxx).</summary>
internal static partial class Log
{
    [LoggerMessage(5001, LogLevel.Information, "SQLite store opened at {Path} (schema version {Version}, synchronous={Synchronous})")]
    public static partial void Opened(ILogger logger, string path, int version, string synchronous);

    [LoggerMessage(5002, LogLevel.Error, "SQLite group commit of {Count} writes failed; each write's caller gets the error")]
    public static partial void CommitFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(5004, LogLevel.Error, "SQLite write-behind failed (a run-log entry, lease or acknowledgement); an unacknowledged message is delivered again after a restart")]
    public static partial void WriteBehindFailed(ILogger logger, Exception exception);

    [LoggerMessage(5005, LogLevel.Warning, "SQLite background WAL checkpoint failed; it is tried again shortly (logged again only after one succeeded)")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(5003, LogLevel.Information, "SQLite queue: {Count} accepted messages not yet finished are delivered again")]
    public static partial void Redelivering(ILogger logger, int count);

    [LoggerMessage(5010, LogLevel.Warning, "SQLite queue: the lease of message {MessageId} of flow {FlowId} expired after delivery {Deliveries} without acknowledgement; it is delivered again")]
    public static partial void LeaseExpired(ILogger logger, string messageId, string flowId, int deliveries);

    [LoggerMessage(5006, LogLevel.Warning, "SQLite store cannot write: {Reason}. Writes fail and are answered 503 until it can again; this is logged once per outage")]
    public static partial void StorageUnavailable(ILogger logger, string reason, Exception exception);

    [LoggerMessage(5007, LogLevel.Warning, "SQLite store still cannot write ({Reason}): {Count} writes failed in the last {Seconds} s, down for {DownSeconds} s")]
    public static partial void StorageStillUnavailable(ILogger logger, string reason, long count, long seconds, long downSeconds);

    [LoggerMessage(5008, LogLevel.Information, "SQLite store writes again after {DownSeconds} s; {Count} writes failed meanwhile (each was refused, none was kept)")]
    public static partial void StorageRecovered(ILogger logger, long downSeconds, long count);

    [LoggerMessage(5009, LogLevel.Warning, "SQLite run log: dropping the finished executions of flow {FlowId} beyond its count cap failed; the next finishes and the pruner try again")]
    public static partial void RunLogTrimFailed(ILogger logger, string flowId, Exception exception);
}
