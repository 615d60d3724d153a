namespace Flows.Sdk.Storage;

/// <summary>
/// The store cannot do its work for now: the disk is full, an I/O error, a read-only file, a lock held beyond its timeout.
/// Nothing the failed operation wrote was kept. The hook and the management API answer it with <c>503 Service Unavailable</c>
/// and a <c>Retry-After</c> of <see cref="RetryAfter"/>; the store recovers by itself once the cause is gone. A store throws
/// it for faults of its medium, never for a bad request or a bug.
/// </summary>
public sealed class StorageUnavailableException : Exception
{
    /// <summary>The retry delay suggested when none is given: 5 seconds.</summary>
    public static readonly TimeSpan DefaultRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>Creates the exception with the default retry delay.</summary>
    public StorageUnavailableException()
        : this("The storage is unavailable.")
    {
    }

    /// <summary>Creates the exception with the default retry delay.</summary>
    /// <param name="message">What failed, for the log and the problem's detail (never a secret).</param>
    public StorageUnavailableException(string message)
        : this(message, DefaultRetryAfter, null)
    {
    }

    /// <summary>Creates the exception with the default retry delay.</summary>
    /// <param name="message">What failed, for the log and the problem's detail (never a secret).</param>
    /// <param name="innerException">The store's own error.</param>
    public StorageUnavailableException(string message, Exception? innerException)
        : this(message, DefaultRetryAfter, innerException)
    {
    }

    /// <summary>Creates the exception.</summary>
    /// <param name="message">What failed, for the log and the problem's detail (never a secret).</param>
    /// <param name="retryAfter">How long a caller should wait before trying again; at least one second is suggested.</param>
    /// <param name="innerException">The store's own error.</param>
    public StorageUnavailableException(string message, TimeSpan retryAfter, Exception? innerException)
        : base(message, innerException)
    {
        RetryAfter = retryAfter < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : retryAfter;
    }

    /// <summary>How long a caller should wait before trying again (at least one second): the <c>Retry-After</c> of the 503.</summary>
    public TimeSpan RetryAfter { get; }

    /// <summary><see cref="RetryAfter"/> in whole seconds, rounded up (at least 1): the value of a <c>Retry-After</c> header.</summary>
    public long RetryAfterSeconds => Math.Max(1L, (long)Math.Ceiling(RetryAfter.TotalSeconds));
}
