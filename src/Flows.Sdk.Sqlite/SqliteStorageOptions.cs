namespace Flows.Sdk.Sqlite;

/// <summary>Settings of the SQLite store. Validated when the host starts.</summary>
public sealed class SqliteStorageOptions
{
    /// <summary>The configuration key of <see cref="EncryptionKey"/>, read when the option is not set in code.</summary>
    public const string EncryptionKeySetting = "Storage:Sqlite:EncryptionKey";

    /// <summary>The database file. Its directory is created when missing. Required.</summary>
    public string Path { get; set; } = string.Empty;

    /// <summary>
    /// The key that encrypts credentials' secrets (AES-256-GCM): 32 random bytes, base64-encoded
    /// (for example <c>openssl rand -base64 32</c>). When not set in code it is read from the configuration key
    /// <c>Storage:Sqlite:EncryptionKey</c>. Required unless an <see cref="Credentials.ICredentialProtector"/> is registered.
    /// Losing it makes the stored credentials unreadable; changing it needs the credentials to be created again.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>
    /// How hard a commit waits for the disk (default <see cref="SqliteSynchronousMode.Full"/>: survives power loss).
    /// </summary>
    public SqliteSynchronousMode Synchronous { get; set; } = SqliteSynchronousMode.Full;

    /// <summary>
    /// The largest step input or output the run log keeps as it is, in UTF-8 bytes of JSON (default 64 KiB). A larger one is
    /// replaced in the log by <c>{"_truncated": true, "size": N, "preview": "..."}</c>; the queued message itself is never cut.
    /// </summary>
    public int MaxLoggedPayloadSize { get; set; } = 64 * 1024;

    /// <summary>How many characters of a truncated input or output the run log keeps as its preview (default 1024).</summary>
    public int TruncatedPreviewLength { get; set; } = 1024;
}

/// <summary>SQLite's <c>synchronous</c> setting for the store's commits (the journal is always WAL).</summary>
public enum SqliteSynchronousMode
{
    /// <summary>
    /// Every commit is flushed to the disk (<c>fsync</c>) before it returns: an accepted message survives a killed process, an
    /// operating system crash and a power loss. Concurrent commits share one flush.
    /// </summary>
    Full,

    /// <summary>
    /// Commits are written to the operating system but flushed only at checkpoints: an accepted message survives a killed
    /// process, but the last commits can be lost on an operating system crash or power loss. Faster on slow disks.
    /// </summary>
    Normal,
}
