using System.Net;
using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Contracts;
using Flows.Sdk.Credentials;
using Flows.Sdk.Sqlite.Tests.Support;
using Flows.Sdk.Storage;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>The store fails safe at start: a wrong key or a file owned by another store stops the host, changing nothing.</summary>
public sealed class FailSafeTests
{
    private const string OtherKey = "ZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmZmY=";

    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [CancelAfter(30_000)]
    public async Task A_wrong_key_of_the_right_form_fails_the_start_naming_the_setting_and_changes_nothing_in_the_file()
    {
        var path = _directory.File("flows.db");
        await WithHostAsync(path, SqliteStoreFactory.TestKey, async host =>
            await host.Services.GetRequiredService<ICredentialStore>().AddAsync(StoreContractTests.NewCredential("c1", DateTimeOffset.UnixEpoch)));
        var before = Hashes(path);

        using var wrong = Build(path, OtherKey);
        var start = async () => await wrong.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage("*Storage:Sqlite:EncryptionKey does not match the key the credentials*were encrypted with*");
        Hashes(path).Should().Equal(before, "a refused start writes nothing: no check value, no migration");

        await WithHostAsync(path, SqliteStoreFactory.TestKey, async host =>
            (await host.Services.GetRequiredService<ICredentialStore>().GetAsync("c1"))!.Fields["apiKey"]!.Value<string>().Should().Be("s3cr3t-c1"));
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_file_from_before_key_check_values_is_checked_by_decrypting_a_secret_and_gets_its_check_value_with_the_right_key()
    {
        var path = _directory.File("flows.db");
        await WithHostAsync(path, SqliteStoreFactory.TestKey, async host =>
            await host.Services.GetRequiredService<ICredentialStore>().AddAsync(StoreContractTests.NewCredential("c1", DateTimeOffset.UnixEpoch)));
        Execute(path, "DROP TABLE key_check; DROP TABLE replay_ids; DROP TABLE execution_steps; DROP TABLE refused_deliveries; DELETE FROM schema_version WHERE version >= 2; PRAGMA wal_checkpoint(TRUNCATE);");
        var before = Hashes(path);

        using var wrong = Build(path, OtherKey);
        var start = async () => await wrong.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*Storage:Sqlite:EncryptionKey does not match*");
        Hashes(path).Should().Equal(before);
        await WithHostAsync(path, SqliteStoreFactory.TestKey, _ => Task.CompletedTask);
        Scalar(path, "SELECT COUNT(*) FROM key_check;").Should().Be(1L, "the right key writes the check value");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_file_without_credentials_is_checked_against_the_key_it_was_created_with()
    {
        var path = _directory.File("flows.db");
        await WithHostAsync(path, SqliteStoreFactory.TestKey, _ => Task.CompletedTask);

        using var wrong = Build(path, OtherKey);
        var start = async () => await wrong.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>()).WithMessage("*Storage:Sqlite:EncryptionKey*");
    }

    [Test]
    [CancelAfter(30_000)]
    public async Task A_second_store_on_the_same_file_in_one_process_fails_at_start_and_the_file_is_free_again_after_shutdown()
    {
        var path = _directory.File("flows.db");
        using var first = Build(path, SqliteStoreFactory.TestKey);
        await first.StartAsync();

        using var second = Build(path, SqliteStoreFactory.TestKey);
        var start = async () => await second.StartAsync();

        (await start.Should().ThrowAsync<InvalidOperationException>())
            .WithMessage($"*Storage:Sqlite:Path*is in use by another process (pid {Environment.ProcessId} on host *");
        await first.StopAsync();
        first.Dispose();

        await WithHostAsync(path, SqliteStoreFactory.TestKey, _ => Task.CompletedTask);
    }

    internal static IHost Build(string path, string key, Action<IServiceCollection>? configure = null)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Services.AddWebhookFlows().UseSqlite(o =>
        {
            o.Path = path;
            o.EncryptionKey = key;
        });
        configure?.Invoke(builder.Services);
        return builder.Build();
    }

    private static async Task WithHostAsync(string path, string key, Func<IHost, Task> action)
    {
        using var host = Build(path, key);
        await host.StartAsync();
        try
        {
            await action(host);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    /// <summary>The hashes of the database file and its WAL ("absent" when there is none).</summary>
    private static string[] Hashes(string path) =>
        [Hash(path), Hash(path + "-wal")];

    private static string Hash(string file) =>
        File.Exists(file) ? Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(file))) : "absent";

    private static void Execute(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    private static object? Scalar(string path, string sql)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false, Mode = SqliteOpenMode.ReadOnly }.ToString());
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }
}
