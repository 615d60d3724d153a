using System.Net;
using System.Net.Sockets;

namespace Flows.Sdk.Execution;

/// <summary>Tells failures worth retrying (network errors, HTTP 5xx, 408 and 429, timeouts) from the others.</summary>
internal static class TransientFailures
{
    public static bool IsTransient(Exception exception, CancellationToken cancellationToken) => exception switch
    {
        HttpRequestException http => http.StatusCode is null
            || (int)http.StatusCode.Value >= 500
            || http.StatusCode is HttpStatusCode.TooManyRequests or HttpStatusCode.RequestTimeout,
        TimeoutException => true,

        // HttpClient reports its own timeout as a cancellation that nobody asked for.
        OperationCanceledException => !cancellationToken.IsCancellationRequested,
        SocketException or IOException => true,
        _ => exception.InnerException is { } inner && IsTransient(inner, cancellationToken),
    };

    /// <summary>Exponential backoff with jitter: a random delay between half and all of <c>base * 2^(retry-1)</c>, capped.</summary>
    public static TimeSpan Backoff(int retry, TimeSpan baseDelay, TimeSpan maxDelay)
    {
        var ceiling = Math.Min(maxDelay.TotalMilliseconds, baseDelay.TotalMilliseconds * Math.Pow(2, retry - 1));
        var floor = ceiling / 2;
        return TimeSpan.FromMilliseconds(floor + (Random.Shared.NextDouble() * (ceiling - floor)));
    }
}
