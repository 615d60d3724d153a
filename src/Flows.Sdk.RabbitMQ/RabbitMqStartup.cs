using Flows.Sdk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// At host start: connects, declares the queues, starts the reply queue, the flow-state feed and the dead-letter consumer. A
/// broker that cannot be reached does not fail the host (hooks answer <c>503</c> until it is back; everything starts once it is);
/// queues that exist with other arguments do, with a message naming the settings.
/// </summary>
internal sealed class RabbitMqStartup(
    RabbitMqConnection connection, RabbitMqReplyChannel replies, RabbitMqFlowStateFeed feed, RabbitMqDeadLetters deadLetters, ILogger<RabbitMqStartup> logger)
    : IHostedService, IAsyncDisposable
{
    private readonly CancellationTokenSource _stopping = new();
    private Task? _starting;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        feed.Start();
        try
        {
            await StartOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is StorageUnavailableException || RabbitMqConnection.IsBrokerFault(e, cancellationToken))
        {
            Log.ConsumerNotStarted(logger, "dead-letter queue and reply queue", e);
            _starting = Task.Run(RetryAsync, CancellationToken.None);
        }
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        if (_starting is { } starting)
        {
            await starting.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }

        await deadLetters.StopAsync().ConfigureAwait(false);
    }

    public ValueTask DisposeAsync()
    {
        _stopping.Dispose();
        return default;
    }

    private async Task StartOnceAsync(CancellationToken cancellationToken)
    {
        await connection.GetAsync(cancellationToken).ConfigureAwait(false);
        await replies.EnsureListeningAsync(cancellationToken).ConfigureAwait(false);
        await deadLetters.StartAsync(cancellationToken).ConfigureAwait(false);
    }

    private async Task RetryAsync()
    {
        var stopping = _stopping.Token;
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await Task.Delay(connection.Options.RecoveryInterval, stopping).ConfigureAwait(false);
                await StartOnceAsync(stopping).ConfigureAwait(false);
                return;
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested)
            {
                return;
            }
            catch (Exception e) when (e is StorageUnavailableException || RabbitMqConnection.IsBrokerFault(e, stopping))
            {
                // still away; tried again
            }
        }
    }
}
