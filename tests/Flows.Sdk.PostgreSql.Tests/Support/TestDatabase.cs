using Npgsql;

namespace Flows.Sdk.PostgreSql.Tests;

/// <summary>
/// The test run's own database, <c>flows_test_&lt;random&gt;</c>, created before the first test and dropped after the last.
/// The server comes from the environment variable <c>FLOWS_TEST_POSTGRES</c> (default
/// <c>Host=127.0.0.1;Port=5432;Username=postgres;Password=flows</c>). A server that cannot be reached fails the run: the
/// tests are never skipped.
/// </summary>
[SetUpFixture]
public sealed class TestDatabase
{
    public const string DefaultServer = "Host=127.0.0.1;Port=5432;Username=postgres;Password=flows";

    /// <summary>A base64 AES-256 key for the tests (never a real one).</summary>
    public const string TestKey = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";

    private static string? _connectionString;

    /// <summary>The connection string of the run's database.</summary>
    public static string ConnectionString => _connectionString ?? throw new InvalidOperationException("The test database was not created.");

    /// <summary>A fresh schema name, so each test starts on empty tables of its own.</summary>
    public static string NewSchema() => "t_" + Guid.NewGuid().ToString("N")[..16];

    private static string Server => Environment.GetEnvironmentVariable("FLOWS_TEST_POSTGRES") is { Length: > 0 } server ? server : DefaultServer;

    private static string Name { get; } = "flows_test_" + Guid.NewGuid().ToString("N")[..12];

    [OneTimeSetUp]
    public async Task CreateAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false, Timeout = 10 };
        try
        {
            await using var connection = new NpgsqlConnection(admin.ConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand($"CREATE DATABASE {Name};", connection);
            await command.ExecuteNonQueryAsync();
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            Assert.Fail($"PostgreSQL at '{admin.Host}:{admin.Port}' (FLOWS_TEST_POSTGRES) cannot be used to create the test database: {e.Message}. " +
                "Start it (pg_ctlcluster 15 main start) or point FLOWS_TEST_POSTGRES at a server; the tests are not skipped.");
        }

        _connectionString = new NpgsqlConnectionStringBuilder(Server) { Database = Name }.ConnectionString;
    }

    [OneTimeTearDown]
    public async Task DropAsync()
    {
        if (_connectionString is null)
        {
            return;
        }

        NpgsqlConnection.ClearAllPools();
        var admin = new NpgsqlConnectionStringBuilder(Server) { Database = "postgres", Pooling = false, Timeout = 10 };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"DROP DATABASE IF EXISTS {Name} WITH (FORCE);", connection);
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Runs <paramref name="sql"/> on the run's database (for inspecting what is at rest).</summary>
    public static async Task<List<object?[]>> QueryAsync(string schema, string sql)
    {
        var builder = new NpgsqlConnectionStringBuilder(ConnectionString) { SearchPath = schema, Pooling = false };
        await using var connection = new NpgsqlConnection(builder.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await using var reader = await command.ExecuteReaderAsync();
        var rows = new List<object?[]>();
        while (await reader.ReadAsync())
        {
            var row = new object?[reader.FieldCount];
            for (var i = 0; i < row.Length; i++)
            {
                row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            }

            rows.Add(row);
        }

        return rows;
    }
}
