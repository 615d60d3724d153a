using Microsoft.Extensions.Logging;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// Logs an outage of the store once, not once per failed request: the first failure is a warning with its exception, then at
/// most one summary every <see cref="SummaryInterval"/> with the count of failed writes, and an information event when a
/// commit succeeds again.
/// </summary>
internal sealed class StorageOutage(ILogger logger, TimeProvider time)
{
    /// <summary>The least time between two summaries of one outage.</summary>
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(30);

    private readonly object _lock = new();
    private volatile bool _down;
    private DateTimeOffset _since;
    private DateTimeOffset _lastSummary;
    private long _failed;
    private long _failedSinceSummary;

    /// <summary>Whether the store is failing now.</summary>
    public bool IsDown => _down;

    /// <summary>Records failed writes (or a failed read, as one).</summary>
    public void Failed(string reason, int count, Exception exception)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_down)
            {
                _down = true;
                _since = now;
                _lastSummary = now;
                _failed = count;
                _failedSinceSummary = 0;
                Log.StorageUnavailable(logger, reason, exception);
                return;
            }

            _failed += count;
            _failedSinceSummary += count;
            if (now - _lastSummary >= SummaryInterval)
            {
                Log.StorageStillUnavailable(logger, reason, _failedSinceSummary, (long)(now - _lastSummary).TotalSeconds, (long)(now - _since).TotalSeconds);
                _lastSummary = now;
                _failedSinceSummary = 0;
            }
        }
    }

    /// <summary>Records a successful commit: ends the outage, if there was one.</summary>
    public void Succeeded()
    {
        if (!_down)
        {
            return;
        }

        lock (_lock)
        {
            if (_down)
            {
                _down = false;
                Log.StorageRecovered(logger, (long)(time.GetUtcNow() - _since).TotalSeconds, _failed);
            }
        }
    }
}
