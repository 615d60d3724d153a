using System.Collections.Concurrent;

namespace Flows.Sdk.Execution;

/// <summary>
/// One cancellation per flow for its running executions: stopping the flow cancels the runs that started before the stop
/// (they end <c>failed</c>), runs that start after it get a fresh token. Publishing does not touch it.
/// </summary>
internal sealed class FlowStops
{
    /// <summary>The error of an execution cancelled by its flow's stop.</summary>
    public const string StoppedMessage = "The flow was stopped while this execution ran.";

    private readonly ConcurrentDictionary<string, CancellationTokenSource> _current = new(StringComparer.Ordinal);

    /// <summary>The token a run of <paramref name="flowId"/> starting now is cancelled with when the flow stops.</summary>
    public CancellationToken TokenOf(string flowId) => _current.GetOrAdd(flowId, static _ => new CancellationTokenSource()).Token;

    /// <summary>Cancels the running executions of <paramref name="flowId"/>.</summary>
    public void Stop(string flowId)
    {
        // Not disposed: runs still unregistering their linked sources from it must not meet a disposed source.
        if (_current.TryRemove(flowId, out var source))
        {
            source.Cancel();
        }
    }
}
