using Flows.Sdk.Execution;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// Consumes the dead-letter queue (<c>{prefix}.dead</c>): a message the broker gave up on (returned more than
/// <see cref="RabbitMqOptions.DeliveryLimit"/> times) ends its execution <c>failed</c> in the run log, with a step attempt whose
/// error says why (<c>DeliveryLimitExceeded</c>), and a hook still waiting for its reply gets the reason. The dead message is
/// acknowledged only once that is recorded; the failed execution can be retried from the management API like any other.
/// </summary>
internal sealed class RabbitMqDeadLetters(
    RabbitMqConnection connection, IExecutionStore executions, IFlowStore flows, IReplyChannel replies, TimeProvider time, ILogger<RabbitMqDeadLetters> logger)
{
    /// <summary>The error type recorded for a dead-lettered message.</summary>
    public const string ErrorType = "DeliveryLimitExceeded";

    private IChannel? _channel;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var channel = await connection.CreateChannelAsync(cancellationToken).ConfigureAwait(false);
        await channel.BasicQosAsync(0, 16, global: false, cancellationToken).ConfigureAwait(false);
        var consumer = new AsyncEventingBasicConsumer(channel);
        consumer.ReceivedAsync += (_, delivery) => OnDeadAsync(channel, delivery);
        await channel.BasicConsumeAsync(connection.Topology.Dead, autoAck: false, consumer, cancellationToken).ConfigureAwait(false);
        _channel = channel;
    }

    public async Task StopAsync()
    {
        if (_channel is { } channel)
        {
            _channel = null;
            try
            {
                await channel.CloseAsync().ConfigureAwait(false);
            }
            catch (Exception e) when (RabbitMqConnection.IsBrokerFault(e, CancellationToken.None))
            {
                // gone with the connection
            }

            channel.Dispose();
        }
    }

    private async Task OnDeadAsync(IChannel channel, BasicDeliverEventArgs delivery)
    {
        QueuedMessage message;
        try
        {
            message = RabbitMessageCodec.Decode(delivery.Body.Span);
        }
        catch (Exception e) when (e is Newtonsoft.Json.JsonException or InvalidDataException or ArgumentException or FormatException)
        {
            // Nothing to record it against: dropped, with the reason in the log.
            Log.Unreadable(logger, connection.Topology.Dead, e);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
            return;
        }

        var (reason, queue, count) = RabbitMessageCodec.Death(delivery.BasicProperties);
        var deliveries = RabbitMessageCodec.EarlierDeliveries(delivery.BasicProperties);
        var text = reason == "delivery_limit"
            ? $"The message was delivered {Math.Max(deliveries, connection.Options.DeliveryLimit + 1)} times without being acknowledged (a node died or its lease ran out each time; delivery limit {connection.Options.DeliveryLimit}); RabbitMQ dead-lettered it from queue '{queue}'."
            : $"RabbitMQ dead-lettered the message from queue '{queue}' ({reason}, {count} time(s)).";
        try
        {
            await RecordAsync(message, text, deliveries).ConfigureAwait(false);
            await replies.AbandonAsync(message.ExecutionId, text).ConfigureAwait(false);
            Log.DeadLettered(logger, message.MessageId, message.FlowId, message.ExecutionId, reason);
            await channel.BasicAckAsync(delivery.DeliveryTag, multiple: false).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageUnavailableException || RabbitMqConnection.IsBrokerFault(e, CancellationToken.None))
        {
            Log.DeadLetterNotRecorded(logger, e);
            await Task.Delay(connection.Options.RecoveryInterval, time).ConfigureAwait(false);
            try
            {
                await channel.BasicNackAsync(delivery.DeliveryTag, multiple: false, requeue: true).ConfigureAwait(false);
            }
            catch (Exception inner) when (RabbitMqConnection.IsBrokerFault(inner, CancellationToken.None))
            {
                // the channel is gone: the broker has the message back
            }
        }
    }

    private async Task RecordAsync(QueuedMessage message, string text, int deliveries)
    {
        var now = time.GetUtcNow();
        var steps = (await flows.GetVersionAsync(message.FlowId, message.FlowVersion).ConfigureAwait(false))?.Definition.Steps;
        var trigger = steps?.FirstOrDefault()?.Id ?? "trigger";
        var stepId = message.ResumeStepId ?? (steps?.Count > 1 ? steps[1].Id : trigger);
        // The payload stands for the trigger's output (the request's _query/_headers are not composed here).
        var body = message.Body.ToObject();
        var stepOutputs = message.StepOutputs ?? new Newtonsoft.Json.Linq.JObject { [trigger] = body };
        if (await executions.GetAsync(message.ExecutionId).ConfigureAwait(false) is null)
        {
            // Never started (the node died before it recorded anything): recorded now, with the message as the trigger's output.
            await executions.StartAsync(new FlowExecution
            {
                Id = message.ExecutionId,
                FlowId = message.FlowId,
                FlowVersion = message.FlowVersion,
                RequestId = message.RequestId,
                MessageId = message.MessageId,
                Status = ExecutionStatus.Running,
                DeliveryCount = Math.Max(1, deliveries),
                StartedAt = now,
                Steps = [new StepExecution { StepId = trigger, Status = ExecutionStatus.Succeeded, Output = body, StartedAt = message.ReceivedAt }],
            }).ConfigureAwait(false);
        }

        await executions.AppendStepAsync(message.ExecutionId, new StepExecution
        {
            StepId = stepId,
            Attempt = message.Attempt,
            Status = ExecutionStatus.Failed,
            Input = body,
            Error = new StepError(ErrorType, text),
            StartedAt = now,
        }).ConfigureAwait(false);
        await executions.FinishAsync(
            message.ExecutionId,
            failed: true,
            new ExecutionFailure(stepId, body, stepOutputs, message.Attempt),
            now).ConfigureAwait(false);
    }
}
