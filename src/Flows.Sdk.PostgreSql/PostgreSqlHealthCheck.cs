using Flows.Sdk.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flows.Sdk.PostgreSql;

/// <summary>Healthy when the store's database answers and its schema is migrated; unhealthy, saying why, when not.</summary>
internal sealed class PostgreSqlHealthCheck(PostgreSqlDatabase database) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            var version = await database.RunAsync(async (connection, ct) =>
            {
                await using var command = PostgreSqlDatabase.Command(connection, "SELECT COALESCE(MAX(version), 0) FROM schema_version;");
                return Convert.ToInt32(await command.ExecuteScalarAsync(ct).ConfigureAwait(false), System.Globalization.CultureInfo.InvariantCulture);
            }, cancellationToken).ConfigureAwait(false);
            var data = new Dictionary<string, object> { ["schema"] = database.Schema, ["schemaVersion"] = version };
            return HealthCheckResult.Healthy($"PostgreSQL store reachable (schema '{database.Schema}', version {version}).", data);
        }
        catch (StorageUnavailableException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL store unavailable: {e.Message}", e);
        }
        catch (InvalidOperationException e)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, $"PostgreSQL store cannot be used: {e.Message}", e);
        }
    }
}
