using Flows.Sdk.Execution;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Hosting;

/// <summary>
/// Runs the flow workers for the lifetime of the host. At stop it stops taking messages, lets running executions finish
/// within the host's shutdown timeout, then cancels the rest and logs them (a durable queue delivers them again).
/// The workers take their first message only once the host has started: a store that refuses to start (a database file in
/// use by another process, a wrong encryption key) fails the host before any worker touches it.
/// </summary>
internal sealed class FlowWorkerHostedService(
    IFlowWorker worker, ILogger<FlowWorkerHostedService> logger, IHostApplicationLifetime? lifetime = null) : IHostedService, IDisposable
{
    private readonly CancellationTokenSource _stopAccepting = new();
    private readonly CancellationTokenSource _abandon = new();
    private Task? _running;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _running = RunWhenStartedAsync();
        return Task.CompletedTask;
    }

    private async Task RunWhenStartedAsync()
    {
        if (lifetime is not null)
        {
            await HostStarted.WaitAsync(lifetime, _stopAccepting.Token).ConfigureAwait(false);
            if (_stopAccepting.IsCancellationRequested)
            {
                return;
            }
        }

        await worker.RunAsync(_stopAccepting.Token, _abandon.Token).ConfigureAwait(false);
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
