using Microsoft.Extensions.Logging;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// Logs an outage of the database once, not once per failed operation: the first failure is a warning with its exception,
/// then at most one summary every <see cref="SummaryInterval"/> with the count of failed operations, and an information
/// event when an operation succeeds again.
/// </summary>
internal sealed class PostgreSqlOutage(ILogger logger, TimeProvider time)
{
    public static readonly TimeSpan SummaryInterval = TimeSpan.FromSeconds(30);

    private readonly object _lock = new();
    private volatile bool _down;
    private DateTimeOffset _since;
    private DateTimeOffset _lastSummary;
    private long _failed;
    private long _failedSinceSummary;

    public bool IsDown => _down;

    public void Failed(string reason, Exception exception)
    {
        lock (_lock)
        {
            var now = time.GetUtcNow();
            if (!_down)
            {
                _down = true;
                _since = now;
                _lastSummary = now;
                _failed = 1;
                _failedSinceSummary = 0;
                Log.StorageUnavailable(logger, reason, exception);
                return;
            }

            _failed++;
            _failedSinceSummary++;
            if (now - _lastSummary >= SummaryInterval)
            {
                Log.StorageStillUnavailable(logger, reason, _failedSinceSummary, (long)(now - _lastSummary).TotalSeconds, (long)(now - _since).TotalSeconds);
                _lastSummary = now;
                _failedSinceSummary = 0;
            }
        }
    }

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
