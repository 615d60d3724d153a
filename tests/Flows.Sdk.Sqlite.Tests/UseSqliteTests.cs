using Newtonsoft.Json.Linq;
using System.Security.Cryptography;
using Flows.Sdk.Contracts;
using Flows.Sdk.Credentials;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Sqlite.Tests.Support;
using Flows.Sdk.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary><c>UseSqlite</c>: what it registers, and the settings that fail the host at start.</summary>
public sealed class UseSqliteTests
{
    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task UseSqlite_stores_everything_in_the_file_with_the_key_from_configuration()
    {
        var path = _directory.File("nested/dir/flows.db");
        using var host = Build(builder =>
        {
            builder.Configuration[SqliteStorageOptions.EncryptionKeySetting] = SqliteStoreFactory.TestKey;
            builder.Services.AddWebhookFlows().UseSqlite(path);
        });

        await host.StartAsync();
        try
        {
            host.Services.GetRequiredService<IFlowStore>().Should().BeOfType<SqliteFlowStore>();
            host.Services.GetRequiredService<ICredentialStore>().Should().BeOfType<SqliteCredentialStore>();
            host.Services.GetRequiredService<IExecutionStore>().Should().BeOfType<SqliteExecutionStore>();
            host.Services.GetRequiredService<ISnapshotStore>().Should().BeOfType<SqliteSnapshotStore>();
            host.Services.GetRequiredService<IFlowQueue>().Should().BeOfType<SqliteFlowQueue>();
            host.Services.GetRequiredService<Hooks.IReplayStore>().Should().BeOfType<SqliteReplayStore>();
            File.Exists(path).Should().BeTrue("the database and its directory are created at start");
        }
        finally
        {
            await host.StopAsync();
        }
    }

    [TestCase(null, "is missing")]
    [TestCase("not base64!", "is not valid base64")]
    [TestCase("AAECAwQFBgcICQoLDA0ODw==", "must decode to 32 bytes (256 bits); it decodes to 16")]
    public async Task A_missing_or_malformed_key_fails_the_host_at_start_naming_the_setting(string? key, string problem)
    {
        using var host = Build(builder => builder.Services.AddWebhookFlows().UseSqlite(o =>
        {
            o.Path = _directory.File("flows.db");
            o.EncryptionKey = key;
        }));

        var start = async () => await host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>())
            .WithMessage($"*Storage:Sqlite:EncryptionKey*{problem}*");
    }

    [Test]
    public async Task A_missing_path_fails_the_host_at_start_naming_the_setting()
    {
        using var host = Build(builder => builder.Services.AddWebhookFlows().UseSqlite(o => o.EncryptionKey = SqliteStoreFactory.TestKey));

        var start = async () => await host.StartAsync();

        (await start.Should().ThrowAsync<OptionsValidationException>()).WithMessage("*Storage:Sqlite:Path*");
    }

    [Test]
    public async Task A_registered_protector_replaces_the_default_and_needs_no_key()
    {
        using var host = Build(builder =>
        {
            builder.Services.AddSingleton<ICredentialProtector, ReversingProtector>();
            builder.Services.AddWebhookFlows().UseSqlite(_directory.File("flows.db"));
        });

        await host.StartAsync();
        try
        {
            var credentials = host.Services.GetRequiredService<ICredentialStore>();
            await credentials.AddAsync(StoreContractTests.NewCredential("c1", DateTimeOffset.UnixEpoch));
            (await credentials.GetAsync("c1"))!.Fields["apiKey"]!.Value<string>().Should().Be("s3cr3t-c1");
            ReversingProtector.Calls.Should().BeGreaterThan(0);
        }
        finally
        {
            await host.StopAsync();
        }
    }

    private static IHost Build(Action<HostApplicationBuilder> configure)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        configure(builder);
        return builder.Build();
    }

    private sealed class ReversingProtector : ICredentialProtector
    {
        public static int Calls;

        public byte[] Protect(ReadOnlySpan<byte> secret, string credentialId)
        {
            Interlocked.Increment(ref Calls);
            var result = secret.ToArray();
            Array.Reverse(result);
            return result;
        }

        public byte[] Unprotect(ReadOnlySpan<byte> protectedSecret, string credentialId)
        {
            if (protectedSecret.IsEmpty)
            {
                throw new CryptographicException("empty");
            }

            var result = protectedSecret.ToArray();
            Array.Reverse(result);
            return result;
        }
    }
}
