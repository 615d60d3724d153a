using System.Text.RegularExpressions;
using Flows.Sdk.Credentials;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Flows.Sdk.PostgreSql;

/// <summary>Fails the host at start when a setting of the PostgreSQL store is missing or malformed, naming the setting.</summary>
/// <remarks>The key is needed only by the default protector: a host that registers its own <see cref="ICredentialProtector"/> needs none.</remarks>
internal sealed partial class PostgreSqlStorageOptionsValidator(IServiceProvider services) : IValidateOptions<PostgreSqlStorageOptions>
{
    public ValidateOptionsResult Validate(string? name, PostgreSqlStorageOptions options)
    {
        var failures = new List<string>();
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{PostgreSqlStorageOptions.ConnectionStringSetting} ({nameof(PostgreSqlStorageOptions)}.{nameof(options.ConnectionString)}) is missing: " +
                "it must be an Npgsql connection string such as 'Host=127.0.0.1;Database=flows;Username=flows;Password=...'.");
        }
        else
        {
            try
            {
                _ = new NpgsqlConnectionStringBuilder(options.ConnectionString);
            }
            catch (ArgumentException e)
            {
                // The message names the bad keyword, never a value (a password stays out of the logs).
                failures.Add($"{PostgreSqlStorageOptions.ConnectionStringSetting} ({nameof(PostgreSqlStorageOptions)}.{nameof(options.ConnectionString)}) is not a valid connection string: {e.Message}");
            }
        }

        if (services.GetService<ICredentialProtector>() is null)
        {
            var problem = AesGcmCredentialProtector.CheckKey(options.EncryptionKey);
            if (problem is not null)
            {
                failures.Add($"{PostgreSqlStorageOptions.EncryptionKeySetting} ({nameof(PostgreSqlStorageOptions)}.{nameof(options.EncryptionKey)}) {problem} " +
                    "It must be 32 random bytes in base64 (for example from 'openssl rand -base64 32'), the same on every node; it encrypts the credentials' secrets.");
            }
        }

        if (options.Schema is null || !SchemaName().IsMatch(options.Schema))
        {
            failures.Add($"{nameof(PostgreSqlStorageOptions)}.{nameof(options.Schema)} (Storage:PostgreSql:Schema) must be a lower-case letter or underscore followed by " +
                $"lower-case letters, digits or underscores, at most 63 characters; it is '{options.Schema}'.");
        }

        if (options.MaxLoggedPayloadSize < 1)
        {
            failures.Add($"{nameof(PostgreSqlStorageOptions)}.{nameof(options.MaxLoggedPayloadSize)} must be at least 1; it is {options.MaxLoggedPayloadSize}.");
        }

        if (options.TruncatedPreviewLength < 0)
        {
            failures.Add($"{nameof(PostgreSqlStorageOptions)}.{nameof(options.TruncatedPreviewLength)} must not be negative; it is {options.TruncatedPreviewLength}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[a-z_][a-z0-9_]{0,62}$")]
    private static partial Regex SchemaName();
}
