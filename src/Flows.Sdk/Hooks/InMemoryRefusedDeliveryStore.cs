namespace Flows.Sdk.Hooks;

/// <summary>The last refused requests per flow, in memory: a ring of <see cref="MaxPerFlow"/> per flow.</summary>
internal sealed class InMemoryRefusedDeliveryStore : IRefusedDeliveryStore
{
    /// <summary>How many refused requests are kept per flow by default.</summary>
    internal const int DefaultMaxPerFlow = 50;

    private readonly object _gate = new();
    private readonly Dictionary<string, Queue<RefusedDelivery>> _byFlow = new(StringComparer.Ordinal);

    public int MaxPerFlow => DefaultMaxPerFlow;

    public ValueTask AddAsync(RefusedDelivery delivery, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        lock (_gate)
        {
            if (!_byFlow.TryGetValue(delivery.FlowId, out var ring))
            {
                _byFlow[delivery.FlowId] = ring = new Queue<RefusedDelivery>();
            }

            ring.Enqueue(delivery);
            while (ring.Count > MaxPerFlow)
            {
                ring.Dequeue();
            }
        }

        return default;
    }

    public ValueTask<IReadOnlyList<RefusedDelivery>> ListAsync(string flowId, int limit, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            IReadOnlyList<RefusedDelivery> result = _byFlow.TryGetValue(flowId, out var ring)
                ? ring.Reverse().Take(Math.Max(limit, 0)).ToArray()
                : [];
            return new(result);
        }
    }

    public ValueTask RemoveAsync(string flowId, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            _byFlow.Remove(flowId);
        }

        return default;
    }
}
