using Flows.Sdk.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Sqlite;

/// <summary>Fails the host at start when a setting of the SQLite store is missing or malformed, naming the setting.</summary>
/// <remarks>The key is needed only by the default protector: a host that registers its own <see cref="ICredentialProtector"/> needs none.</remarks>
internal sealed class SqliteStorageOptionsValidator(IServiceProvider services) : IValidateOptions<SqliteStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, SqliteStorageOptions options)
    {
        var keyRequired = services.GetService<ICredentialProtector>() is null;
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.Path))
        {
            failures.Add($"{nameof(SqliteStorageOptions)}.{nameof(options.Path)} (Storage:Sqlite:Path) must name the database file.");
        }

        if (keyRequired)
        {
            var problem = AesGcmCredentialProtector.CheckKey(options.EncryptionKey);
            if (problem is not null)
            {
                failures.Add($"{SqliteStorageOptions.EncryptionKeySetting} ({nameof(SqliteStorageOptions)}.{nameof(options.EncryptionKey)}) {problem} " +
                    "It must be 32 random bytes in base64 (for example from 'openssl rand -base64 32'); it encrypts the credentials' secrets.");
            }
        }

        if (options.MaxLoggedPayloadSize < 1)
        {
            failures.Add($"{nameof(SqliteStorageOptions)}.{nameof(options.MaxLoggedPayloadSize)} must be at least 1 byte; it is {options.MaxLoggedPayloadSize}.");
        }

        if (options.TruncatedPreviewLength < 0)
        {
            failures.Add($"{nameof(SqliteStorageOptions)}.{nameof(options.TruncatedPreviewLength)} must not be negative; it is {options.TruncatedPreviewLength}.");
        }

        if (!Enum.IsDefined(options.Synchronous))
        {
            failures.Add($"{nameof(SqliteStorageOptions)}.{nameof(options.Synchronous)} must be Full or Normal; it is {options.Synchronous}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
