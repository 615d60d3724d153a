using Flows.Sdk.PostgreSql;
using Npgsql;

namespace PetstoreWebhook;

/// <summary>
/// Makes the tutorial's seeding one node at a time when the store is PostgreSQL: a session-level advisory lock held on a
/// connection of its own while the node looks for the tutorial's flow and creates it when missing. The nodes that wait then
/// find it. The lock goes with the connection, so a node killed while seeding does not block the others.
/// </summary>
internal static class TutorialSeedLock
{
    public static async Task<IAsyncDisposable> AcquireAsync(IConfiguration configuration, CancellationToken cancellationToken)
    {
        if (!string.Equals(configuration["Storage:Provider"], "PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            return NoLock.Instance;
        }

        var connectionString = new NpgsqlConnectionStringBuilder(configuration[PostgreSqlStorageOptions.ConnectionStringSetting]) { Pooling = false }.ConnectionString;
        var connection = new NpgsqlConnection(connectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            await using var command = new NpgsqlCommand("SELECT pg_advisory_lock(1718, hashtext('flows-sdk:petstore-tutorial-seed'));", connection);
            await command.ExecuteNonQueryAsync(cancellationToken);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    private sealed class NoLock : IAsyncDisposable
    {
        public static readonly NoLock Instance = new();

        public ValueTask DisposeAsync() => default;
    }
}
