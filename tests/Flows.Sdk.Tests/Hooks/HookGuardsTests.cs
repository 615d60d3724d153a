using Flows.Sdk.Credentials;
using Flows.Sdk.Hooks;
using Flows.Sdk.Storage;
using Flows.Sdk.Flows;
using Microsoft.Extensions.Logging.Abstractions;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Hooks;

public sealed class HookGuardsTests
{
    /// <summary>An in-memory credential store that counts its reads.</summary>
    private sealed class CountingStore : ICredentialStore
    {
        private readonly Dictionary<string, Credential> _credentials = [];

        public int Reads { get; private set; }

        public ValueTask AddAsync(Credential credential, CancellationToken cancellationToken = default)
        {
            _credentials[credential.Id] = credential;
            return default;
        }

        public ValueTask<Credential?> GetAsync(string credentialId, CancellationToken cancellationToken = default)
        {
            Reads++;
            return new(_credentials.GetValueOrDefault(credentialId));
        }

        public ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default) =>
            new(_credentials.Values.ToArray());

        public ValueTask<bool> DeleteAsync(string credentialId, CancellationToken cancellationToken = default) =>
            new(_credentials.Remove(credentialId));
    }

    [Test]
    public async Task A_credential_is_read_once_and_its_authenticator_reused()
    {
        using var guards = new HookGuards(new InMemoryFlowStateFeed(NullLogger<InMemoryFlowStateFeed>.Instance));
        var store = new CountingStore();
        await store.AddAsync(new Credential
        {
            Id = "c1", Name = "basic", ComponentId = "webhook", CreatedAt = DateTimeOffset.UnixEpoch,
            Fields = JObject.Parse("""{"type": "basic", "username": "u", "password": "p"}"""),
        });

        var first = await guards.AuthenticatorAsync("c1", store, CancellationToken.None);
        var second = await guards.AuthenticatorAsync("c1", store, CancellationToken.None);

        first.Should().BeSameAs(second);
        first!.Type.Should().Be("basic");
        store.Reads.Should().Be(1);
    }

    [Test]
    public async Task No_credential_means_no_authentication_but_a_missing_one_means_none_is_accepted()
    {
        using var guards = new HookGuards(new InMemoryFlowStateFeed(NullLogger<InMemoryFlowStateFeed>.Instance));
        var store = new CountingStore();

        (await guards.AuthenticatorAsync(null, store, CancellationToken.None))!.Type.Should().Be("none");
        (await guards.AuthenticatorAsync("gone", store, CancellationToken.None)).Should().BeNull();
    }
}
