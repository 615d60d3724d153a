namespace Flows.Sdk.Execution;

/// <summary>
/// The lease of one <see cref="IFlowDelivery"/>, timed on a <see cref="TimeProvider"/>: a one-shot timer moved on by renewals,
/// which fires only if the lease really ran out. Settling (an ack or an abandon) and expiring are exclusive and happen once;
/// a queue backend keeps one per delivery and does its own settling or redelivery around it.
/// </summary>
public sealed class DeliveryLease
{
    private readonly object _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _duration;
    private readonly Action _expired;
    private readonly ITimer _timer;
    private DateTimeOffset _expires;
    private bool _settled;

    /// <summary>Starts a lease of <paramref name="duration"/> from now.</summary>
    /// <param name="time">The clock and timers.</param>
    /// <param name="duration">How long the lease lasts from its start and from each renewal.</param>
    /// <param name="expired">Called once, on a timer thread, when the lease runs out unsettled (the message is given out again).</param>
    public DeliveryLease(TimeProvider time, TimeSpan duration, Action expired)
    {
        ArgumentNullException.ThrowIfNull(time);
        ArgumentNullException.ThrowIfNull(expired);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(duration, TimeSpan.Zero);
        _time = time;
        _duration = duration;
        _expired = expired;
        lock (_lock)
        {
            // Created under the lock: a callback that comes at once waits for the fields.
            _expires = time.GetUtcNow() + duration;
            _timer = time.CreateTimer(static state => ((DeliveryLease)state!).OnTimer(), this, duration, Timeout.InfiniteTimeSpan);
        }
    }

    /// <summary>When the lease ends unless renewed.</summary>
    public DateTimeOffset ExpiresAt
    {
        get
        {
            lock (_lock)
            {
                return _expires;
            }
        }
    }

    /// <summary>Extends the lease by its duration from now.</summary>
    /// <returns><see langword="false"/> when it was settled or had expired already.</returns>
    public bool TryRenew()
    {
        lock (_lock)
        {
            if (_settled)
            {
                return false;
            }

            _expires = _time.GetUtcNow() + _duration;
            _timer.Change(_duration, Timeout.InfiniteTimeSpan);
            return true;
        }
    }

    /// <summary>Ends the lease for an ack or an abandon.</summary>
    /// <returns><see langword="true"/> the first time; <see langword="false"/> when it was settled or had expired already (do nothing then).</returns>
    public bool TrySettle()
    {
        lock (_lock)
        {
            if (_settled)
            {
                return false;
            }

            _settled = true;
        }

        _timer.Dispose();
        return true;
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_settled)
            {
                return;
            }

            var left = _expires - _time.GetUtcNow();
            if (left > TimeSpan.Zero)
            {
                _timer.Change(left, Timeout.InfiniteTimeSpan);
                return;
            }

            _settled = true;
        }

        _timer.Dispose();
        _expired();
    }
}
