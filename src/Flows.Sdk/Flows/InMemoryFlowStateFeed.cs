using Flows.Sdk.Diagnostics;
using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Flows;

/// <summary>
/// The in-process <see cref="IFlowStateFeed"/>: <see cref="PublishAsync"/> calls every subscriber of this process, in the
/// order they subscribed, before it returns. Deliveries are serialised, so a subscriber never runs twice at once.
/// </summary>
internal sealed class InMemoryFlowStateFeed(ILogger<InMemoryFlowStateFeed> logger) : IFlowStateFeed
{
    private readonly object _lock = new();
    private readonly Dictionary<string, long> _delivered = new(StringComparer.Ordinal);
    private Subscription[] _subscribers = [];

    public ValueTask PublishAsync(FlowStateChange change, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(change);
        lock (_lock)
        {
            if (_delivered.TryGetValue(change.FlowId, out var latest) && latest >= change.Revision)
            {
                // A concurrent change of the same flow was announced first and is later: this one is superseded.
                return default;
            }

            _delivered[change.FlowId] = change.Revision;
            foreach (var subscription in _subscribers)
            {
                try
                {
                    subscription.Subscriber(change);
                }
                catch (Exception e)
                {
                    Log.FlowStateSubscriberFailed(logger, e, change.FlowId, change.Kind.ToString());
                }
            }
        }

        return default;
    }

    public IDisposable Subscribe(Action<FlowStateChange> subscriber)
    {
        ArgumentNullException.ThrowIfNull(subscriber);
        var subscription = new Subscription(this, subscriber);
        lock (_lock)
        {
            _subscribers = [.. _subscribers, subscription];
        }

        return subscription;
    }

    private void Unsubscribe(Subscription subscription)
    {
        lock (_lock)
        {
            _subscribers = _subscribers.Where(s => !ReferenceEquals(s, subscription)).ToArray();
        }
    }

    private sealed class Subscription(InMemoryFlowStateFeed feed, Action<FlowStateChange> subscriber) : IDisposable
    {
        public Action<FlowStateChange> Subscriber => subscriber;

        public void Dispose() => feed.Unsubscribe(this);
    }
}
