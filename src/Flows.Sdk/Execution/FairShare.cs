using Flows.Sdk.DependencyInjection;

namespace Flows.Sdk.Execution;

/// <summary>
/// The workers' admission: a flow may start a message while it runs fewer than its fair share, which is
/// <c>max(1, MaxConcurrency / flows with running or waiting messages)</c>, never above <c>MaxConcurrencyPerFlow</c>. So a flow
/// alone may use <c>MaxConcurrencyPerFlow</c> workers, and a flow that floods the queue (or whose runs take long) cannot keep
/// the other flows' messages waiting: they get their share of the workers as soon as one is free.
/// </summary>
internal sealed class FairShare(WebhookFlowsOptions options) : IFlowAdmission
{
    private readonly object _lock = new();
    private readonly Dictionary<string, int> _running = new(StringComparer.Ordinal);
    // Copied on change (rare: one per queue), so freeing a slot reads it without a copy.
    private Action[] _listeners = [];
    private int _total;

    /// <summary>How many runs hold a slot.</summary>
    public int Running
    {
        get
        {
            lock (_lock)
            {
                return _total;
            }
        }
    }

    public bool TryAdmit(string flowId, IReadOnlyCollection<string> flowsWaiting)
    {
        lock (_lock)
        {
            if (_total >= options.MaxConcurrency)
            {
                return false;
            }

            var active = flowsWaiting.Count;
            foreach (var running in _running.Keys)
            {
                if (!Contains(flowsWaiting, running))
                {
                    active++;
                }
            }

            if (!Contains(flowsWaiting, flowId) && !_running.ContainsKey(flowId))
            {
                active++;
            }

            var share = Math.Min(Math.Max(1, options.MaxConcurrency / Math.Max(1, active)), options.MaxConcurrencyPerFlow);
            var mine = _running.GetValueOrDefault(flowId);
            if (mine >= share)
            {
                return false;
            }

            _running[flowId] = mine + 1;
            _total++;
            return true;
        }
    }

    /// <summary>Frees the slot a run of <paramref name="flowId"/> held, and tells the waiting queues.</summary>
    public void Release(string flowId)
    {
        Action[] listeners;
        lock (_lock)
        {
            var mine = _running.GetValueOrDefault(flowId);
            if (mine <= 1)
            {
                _running.Remove(flowId);
            }
            else
            {
                _running[flowId] = mine - 1;
            }

            _total--;
            listeners = _listeners;
        }

        foreach (var listener in listeners)
        {
            listener();
        }
    }

    public IDisposable OnSlotFreed(Action changed)
    {
        ArgumentNullException.ThrowIfNull(changed);
        lock (_lock)
        {
            _listeners = [.. _listeners, changed];
        }

        return new Registration(this, changed);
    }

    private static bool Contains(IReadOnlyCollection<string> flows, string flowId) =>
        flows is ICollection<string> collection ? collection.Contains(flowId) : flows.Contains(flowId, StringComparer.Ordinal);

    private sealed class Registration(FairShare owner, Action changed) : IDisposable
    {
        public void Dispose()
        {
            lock (owner._lock)
            {
                var index = Array.IndexOf(owner._listeners, changed);
                if (index >= 0)
                {
                    owner._listeners = [.. owner._listeners.AsSpan(0, index), .. owner._listeners.AsSpan(index + 1)];
                }
            }
        }
    }
}
