namespace Flows.Sdk.PostgreSql;

/// <summary>Settings of the PostgreSQL store. Validated when the host starts.</summary>
public sealed class PostgreSqlStorageOptions
{
    /// <summary>The configuration key of <see cref="ConnectionString"/>, read when the option is not set in code.</summary>
    public const string ConnectionStringSetting = "Storage:PostgreSql:ConnectionString";

    /// <summary>The configuration key of <see cref="EncryptionKey"/>, read when the option is not set in code.</summary>
    public const string EncryptionKeySetting = "Storage:PostgreSql:EncryptionKey";

    /// <summary>
    /// The Npgsql connection string, for example <c>Host=db;Database=flows;Username=flows;Password=...</c>. Required. The store
    /// sets the connection's search path to <see cref="Schema"/>; pooling, timeouts and TLS are the connection string's.
    /// </summary>
    public string ConnectionString { get; set; } = string.Empty;

    /// <summary>
    /// The key that encrypts credentials' secrets (AES-256-GCM): 32 random bytes, base64-encoded (for example
    /// <c>openssl rand -base64 32</c>), the same on every node. When not set in code it is read from the configuration key
    /// <c>Storage:PostgreSql:EncryptionKey</c>. Required unless an <see cref="Credentials.ICredentialProtector"/> is registered.
    /// </summary>
    public string? EncryptionKey { get; set; }

    /// <summary>
    /// The schema that holds the store's tables (default <c>flows</c>); created when missing. Several stores can share a
    /// database with a schema each. A lower-case letter or underscore, then lower-case letters, digits or underscores (at most 63).
    /// </summary>
    public string Schema { get; set; } = "flows";

    /// <summary>
    /// The largest step input or output the run log keeps as it is, in characters of JSON (default 64 Ki). A larger one is
    /// replaced in the log by <c>{"_truncated": true, "size": N, "preview": "..."}</c>; the queued message itself is never cut.
    /// </summary>
    public int MaxLoggedPayloadSize { get; set; } = 64 * 1024;

    /// <summary>How many characters of a truncated input or output the run log keeps as its preview (default 1024).</summary>
    public int TruncatedPreviewLength { get; set; } = 1024;
}
