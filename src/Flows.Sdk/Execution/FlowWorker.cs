using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>
/// Drains the queue: <see cref="WebhookFlowsOptions.MaxConcurrency"/> loops, each taking a message, running it, acknowledging it.
/// Hosts run it through <c>Flows.Sdk.Hosting</c>.
/// </summary>
internal sealed class FlowWorker(IFlowQueue queue, FlowRunner runner, IOptions<WebhookFlowsOptions> options, ILogger<FlowWorker> logger)
{
    public async Task RunAsync(CancellationToken stoppingToken)
    {
        var concurrency = options.Value.MaxConcurrency;
        Log.WorkersStarted(logger, concurrency);
        var loops = new Task[concurrency];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = Task.Run(() => LoopAsync(stoppingToken), CancellationToken.None);
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        Log.WorkersStopped(logger);
    }

    private async Task LoopAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            QueuedMessage message;
            try
            {
                message = await queue.DequeueAsync(stoppingToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }

            try
            {
                await runner.RunAsync(message, stoppingToken).ConfigureAwait(false);
                await queue.AcknowledgeAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                // Not acknowledged: a durable queue delivers it again after the restart.
                return;
            }
            catch (Exception e)
            {
                Log.MessageFailed(logger, message.MessageId, message.FlowId, e);
                await queue.AcknowledgeAsync(message, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }
}
