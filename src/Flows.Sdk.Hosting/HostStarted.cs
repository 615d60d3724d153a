using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Hosting;

/// <summary>Waits for the host to have started every hosted service.</summary>
internal static class HostStarted
{
    /// <summary>
    /// Completes when <see cref="IHostApplicationLifetime.ApplicationStarted"/> fires or <paramref name="cancellationToken"/> is
    /// cancelled (whichever comes first; never throws).
    /// </summary>
    public static async Task WaitAsync(IHostApplicationLifetime lifetime, CancellationToken cancellationToken)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using var onStarted = lifetime.ApplicationStarted.Register(() => started.TrySetResult());
        using var onCancelled = cancellationToken.Register(() => started.TrySetResult());
        await started.Task.ConfigureAwait(false);
    }
}
