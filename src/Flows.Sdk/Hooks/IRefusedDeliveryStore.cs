namespace Flows.Sdk.Hooks;

/// <summary>
/// Keeps the last refused hook requests of each flow (a bounded number per flow, the oldest dropped first), for the dashboard's
/// "refused deliveries". In memory by default; a durable store (<c>UseSqlite</c>) keeps them across restarts. The hook records
/// a refusal after it has answered it: a store that fails loses that record, never the answer.
/// </summary>
public interface IRefusedDeliveryStore
{
    /// <summary>How many refused requests are kept per flow.</summary>
    int MaxPerFlow { get; }

    /// <summary>Records a refused request, dropping the flow's oldest beyond <see cref="MaxPerFlow"/>.</summary>
    ValueTask AddAsync(RefusedDelivery delivery, CancellationToken cancellationToken = default);

    /// <summary>The flow's refused requests, newest first, at most <paramref name="limit"/>.</summary>
    ValueTask<IReadOnlyList<RefusedDelivery>> ListAsync(string flowId, int limit, CancellationToken cancellationToken = default);

    /// <summary>Forgets every refused request of the flow (when it is deleted).</summary>
    ValueTask RemoveAsync(string flowId, CancellationToken cancellationToken = default);
}
