using Flows.Sdk.PostgreSql;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Microsoft.Extensions.DependencyInjection;

/// <summary>The PostgreSQL store's health check: <c>services.AddHealthChecks().AddWebhookFlowsPostgreSql()</c>.</summary>
public static class PostgreSqlHealthChecksBuilderExtensions
{
    /// <summary>
    /// Checks that the database of the store registered with <c>UsePostgreSql(...)</c> answers and its schema is migrated
    /// (one query on a pooled connection). Unhealthy, with the reason, when the server cannot be reached or the store
    /// cannot be used (a wrong encryption key, a newer schema).
    /// </summary>
    /// <param name="builder">The builder from <c>AddHealthChecks()</c>.</param>
    /// <param name="name">The check's name (default <c>flows-postgresql</c>).</param>
    /// <param name="failureStatus">The status reported on failure (default <see cref="HealthStatus.Unhealthy"/>).</param>
    /// <param name="tags">Tags to filter checks by, for example <c>ready</c>.</param>
    public static IHealthChecksBuilder AddWebhookFlowsPostgreSql(this IHealthChecksBuilder builder, string name = "flows-postgresql",
        HealthStatus? failureStatus = null, IEnumerable<string>? tags = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return builder.Add(new HealthCheckRegistration(
            name,
            provider => new PostgreSqlHealthCheck(provider.GetService<PostgreSqlDatabase>() ?? throw new InvalidOperationException(
                "The PostgreSQL health check needs the PostgreSQL store: call UsePostgreSql(...) on the webhook flows builder.")),
            failureStatus,
            tags));
    }
}
