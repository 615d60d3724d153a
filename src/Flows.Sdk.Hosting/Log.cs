using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Hosting;

/// <summary>The hosted services' log events. Their ids are in the engine's 3xxx (executions) range and never change.</summary>
internal static partial class Log
{
    [LoggerMessage(3009, LogLevel.Warning, "Shutdown: {Count} executions did not finish in time and were cancelled")]
    public static partial void ShutdownUnfinished(ILogger logger, int count);

    [LoggerMessage(3013, LogLevel.Information, "Shutdown: waiting for {Count} running executions")]
    public static partial void ShutdownWaiting(ILogger logger, int count);
}
