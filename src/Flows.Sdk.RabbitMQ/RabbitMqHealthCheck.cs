using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Flows.Sdk.RabbitMQ;

/// <summary>The queue's health: healthy while the node's connection to the broker is open, unhealthy (with why) otherwise.</summary>
internal sealed class RabbitMqHealthCheck(RabbitMqConnection connection) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var data = new Dictionary<string, object> { ["node"] = connection.NodeName, ["prefix"] = connection.Topology.Prefix };
        if (connection.IsOpen)
        {
            return HealthCheckResult.Healthy("Connected to RabbitMQ.", data);
        }

        try
        {
            await connection.GetAsync(cancellationToken).ConfigureAwait(false);
            return connection.IsOpen
                ? HealthCheckResult.Healthy("Connected to RabbitMQ.", data)
                : new HealthCheckResult(context.Registration.FailureStatus, "The RabbitMQ connection is lost; the client is reconnecting.", data: data);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            return new HealthCheckResult(context.Registration.FailureStatus, "RabbitMQ cannot be reached: " + e.Message, data: data);
        }
    }
}
