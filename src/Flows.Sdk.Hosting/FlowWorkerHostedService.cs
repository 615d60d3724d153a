using Flows.Sdk.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Hosting;

/// <summary>
/// Runs the flow workers for the lifetime of the host. At stop it stops taking messages, lets running executions finish
/// within the host's shutdown timeout, then cancels the rest and logs them (a durable queue delivers them again).
/// </summary>
internal sealed class FlowWorkerHostedService(IFlowWorker worker, ILogger<FlowWorkerHostedService> logger) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abandon = new();
    private Task? _running;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running = worker.RunAsync(_stopAccepting.Token, _abandon.Token);
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        if (_running is null)
        {
            return;
        }

        await _stopAccepting.CancelAsync().ConfigureAwait(false);
        var running = worker.Running;
        if (running > 0)
        {
            Log.ShutdownWaiting(logger, running);
        }

        try
        {
            // The host cancels cancellationToken when its shutdown timeout runs out.
            await _running.WaitAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            Log.ShutdownUnfinished(logger, worker.Running);
            await _abandon.CancelAsync().ConfigureAwait(false);
            await _running.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
    }

    public void Dispose()
    {
        _stopAccepting.Dispose();
        _abandon.Dispose();
    }
}
