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

    [LoggerMessage(5005, LogLevel.Warning, "SQLite background WAL checkpoint failed; it is tried again shortly")]
    public static partial void CheckpointFailed(ILogger logger, Exception exception);

    [LoggerMessage(5003, LogLevel.Information, "SQLite queue: {Count} accepted messages not yet finished are delivered again")]
    public static partial void Redelivering(ILogger logger, int count);
}
