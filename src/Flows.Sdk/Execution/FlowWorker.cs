using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>
/// Drains the queue: <see cref="WebhookFlowsOptions.MaxConcurrency"/> loops, each taking a delivery, running its message
/// (its timer renewing the delivery's lease every third of <see cref="IFlowQueue.LeaseDuration"/> while it runs), acknowledging it once
/// the run is recorded.
/// A loop takes only a message of a flow below its fair share (<see cref="FairShare"/>), so it never holds a worker while
/// waiting for a flow: a flow at its share is skipped and the others' messages run.
/// Stopping is two-phase: <c>stopAccepting</c> ends the loops after the message they run; <c>abandon</c> cancels the runs
/// themselves (their messages are not acknowledged, so a durable queue delivers them again).
/// </summary>
internal sealed class FlowWorker(IFlowQueue queue, FlowRunner runner, IOptions<WebhookFlowsOptions> options, ILogger<FlowWorker> logger, TimeProvider time) : IFlowWorker
{
    private readonly FairShare _share = new(options.Value);

    /// <summary>How many messages are being run right now.</summary>
    public int Running => _share.Running;

    public async Task RunAsync(CancellationToken stopAccepting, CancellationToken abandon)
    {
        var concurrency = options.Value.MaxConcurrency;
        ReserveThreads(concurrency);
        Log.WorkersStarted(logger, concurrency);
        var loops = new Task[concurrency];
        for (var i = 0; i < loops.Length; i++)
        {
            loops[i] = Task.Run(() => LoopAsync(stopAccepting, abandon), CancellationToken.None);
        }

        await Task.WhenAll(loops).ConfigureAwait(false);
        Log.WorkersStopped(logger);
    }

    /// <summary>
    /// A mapping evaluation is synchronous CPU work on a pool thread, up to its time limit; with every worker in one, the pool
    /// would have only its minimum (one thread per core) for everything else (hooks, other flows' runs, store writes) and
    /// would add threads only slowly, so the other flows' messages would wait seconds. Raising the pool's minimum by the
    /// number of workers (never lowering it) lets it start threads at once for the rest.
    /// </summary>
    private static void ReserveThreads(int workers)
    {
        ThreadPool.GetMinThreads(out var worker, out var completion);
        var wanted = Environment.ProcessorCount + workers;
        if (worker < wanted)
        {
            ThreadPool.SetMinThreads(wanted, completion);
        }
    }

    private async Task LoopAsync(CancellationToken stopAccepting, CancellationToken abandon)
    {
        // One renewal timer per loop for the delivery it runs, not one per delivery: most runs end long before a renewal.
        var renewal = new Renewal();
        using var renewer = RenewWhileRunning(renewal);
        while (!stopAccepting.IsCancellationRequested)
        {
            IFlowDelivery delivery;
            try
            {
                // The queue takes the run slot for the message's flow when it hands the message over.
                delivery = await queue.DequeueAsync(_share, stopAccepting).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (stopAccepting.IsCancellationRequested)
            {
                return;
            }

            var message = delivery.Message;
            try
            {
                renewal.Current = delivery;
                try
                {
                    await runner.RunAsync(message, delivery.DeliveryCount, abandon).ConfigureAwait(false);
                }
                finally
                {
                    renewal.Current = null;
                }

                await delivery.AckAsync(CancellationToken.None).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (abandon.IsCancellationRequested)
            {
                // Not acknowledged: a durable queue delivers it again after the restart.
                Log.MessageAbandoned(logger, message.MessageId, message.FlowId, message.ExecutionId);
                return;
            }
            catch (StorageUnavailableException e)
            {
                // The store cannot record the run (disk full, I/O error): the message is not lost and not failed, it runs again
                // once the store is back. The store logs its outage once, so this is not logged per message.
                Log.MessagePutBack(logger, message.MessageId, message.FlowId, e.RetryAfter.TotalSeconds);
                await SettleAsync(delivery.AbandonAsync(e.RetryAfter, CancellationToken.None)).ConfigureAwait(false);
            }
            catch (Exception e)
            {
                Log.MessageFailed(logger, message.MessageId, message.FlowId, e);
                await SettleAsync(delivery.AckAsync(CancellationToken.None)).ConfigureAwait(false);
            }
            finally
            {
                _share.Release(message.FlowId);
            }
        }
    }

    /// <summary>
    /// Acknowledges or abandons a delivery whose run ended in an error. When that too fails (the store is down), the message
    /// stays leased and its lease, when it runs out, delivers it again: the worker goes on with the next one.
    /// </summary>
    private static async Task SettleAsync(ValueTask settle)
    {
        try
        {
            await settle.ConfigureAwait(false);
        }
        catch (Exception)
        {
            // left to the lease
        }
    }

    /// <summary>
    /// A loop's timer renewing the lease of the delivery it runs, if any, every third of the lease's duration: a delivery's
    /// first renewal comes within a third of its lease, the next ones a third apart (so one late tick does not lose it).
    /// </summary>
    private ITimer RenewWhileRunning(Renewal renewal)
    {
        var period = queue.LeaseDuration / 3;
        return time.CreateTimer(static state =>
        {
            if (((Renewal)state!).Current is { } delivery)
            {
                _ = RenewAsync(delivery);
            }
        }, renewal, period, period);
    }

    /// <summary>The delivery a loop runs right now, for its renewal timer.</summary>
    private sealed class Renewal
    {
        private volatile IFlowDelivery? _current;

        public IFlowDelivery? Current
        {
            get => _current;
            set => _current = value;
        }
    }

    private static async Task RenewAsync(IFlowDelivery delivery)
    {
        try
        {
            await delivery.RenewAsync(CancellationToken.None).ConfigureAwait(false);
        }
        catch (Exception)
        {
            // A renewal that failed (the store is down) is retried at the next tick; the lease outlasts two of them.
        }
    }
}
