using Microsoft.Extensions.Logging;

namespace Flows.Sdk.RabbitMQ;

/// <summary>The RabbitMQ package's log events (7xxx). Never logs a password or a message body.</summary>
internal static partial class Log
{
    [LoggerMessage(7001, LogLevel.Information, "Connected to RabbitMQ at {Host}:{Port} as node {Node}")]
    public static partial void Connected(ILogger logger, string host, int port, string node);

    [LoggerMessage(7002, LogLevel.Warning, "RabbitMQ at {Host}:{Port} cannot be reached: {Reason}; hooks answer 503 until it is back")]
    public static partial void BrokerUnreachable(ILogger logger, string host, int port, string reason);

    [LoggerMessage(7003, LogLevel.Warning, "The RabbitMQ connection was lost ({Code} {Text}); the client reconnects by itself")]
    public static partial void ConnectionLost(ILogger logger, ushort code, string text);

    [LoggerMessage(7004, LogLevel.Information, "The RabbitMQ connection was recovered; consumers are registered again")]
    public static partial void ConnectionRecovered(ILogger logger);

    [LoggerMessage(7005, LogLevel.Warning, "Lease of message {MessageId} of flow {FlowId} expired after {Deliveries} deliveries; it is returned to the broker")]
    public static partial void LeaseExpired(ILogger logger, string messageId, string flowId, int deliveries);

    [LoggerMessage(7006, LogLevel.Error, "A message in queue {Queue} cannot be read; it is rejected (dead-lettered)")]
    public static partial void Unreadable(ILogger logger, string queue, Exception exception);

    [LoggerMessage(7007, LogLevel.Error, "Message {MessageId} of flow {FlowId} was dead-lettered ({Reason}); its execution {ExecutionId} ends failed")]
    public static partial void DeadLettered(ILogger logger, string messageId, string flowId, string executionId, string reason);

    [LoggerMessage(7008, LogLevel.Warning, "A dead-lettered message could not be recorded; it stays in the dead-letter queue and is tried again")]
    public static partial void DeadLetterNotRecorded(ILogger logger, Exception exception);

    [LoggerMessage(7009, LogLevel.Warning, "A RabbitMQ consumer could not start ({What}); it is tried again")]
    public static partial void ConsumerNotStarted(ILogger logger, string what, Exception exception);

    [LoggerMessage(7010, LogLevel.Warning, "A delayed message could not be moved to its work queue yet (broker refused or unreachable); it is tried again")]
    public static partial void DelayedNotMoved(ILogger logger, Exception? exception);

    [LoggerMessage(7011, LogLevel.Warning, "A flow-state change of flow {FlowId} could not be published to RabbitMQ yet; it is tried again")]
    public static partial void StateChangeNotPublished(ILogger logger, string flowId);

    [LoggerMessage(7012, LogLevel.Error, "A flow-state subscriber failed on the change {Kind} of flow {FlowId}")]
    public static partial void StateSubscriberFailed(ILogger logger, Exception exception, string flowId, string kind);

    [LoggerMessage(7013, LogLevel.Debug, "Settling a delivery failed (the channel is gone); the broker delivers the message again")]
    public static partial void SettleFailed(ILogger logger, Exception exception);
}
