using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Flows.Sdk.Credentials;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;

namespace Flows.Sdk.Hooks;

/// <summary>
/// What the hook keeps between requests: one authenticator per webhook credential (secrets decoded, hash contexts pooled),
/// one rate limiter per flow version that sets a limit, and the replay caches (one per tolerance window).
/// </summary>
internal sealed class HookGuards(TimeProvider time) : IDisposable
{
    public const string Realm = "Flows.Sdk webhook";

    private static readonly IWebhookAuthenticator NoAuthentication = WebhookAuthenticatorFactory.Create(new Newtonsoft.Json.Linq.JObject { ["type"] = "none" });
    private readonly ConcurrentDictionary<string, IWebhookAuthenticator> _authenticators = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string FlowId, int Version), RateLimiter> _limiters = new();
    private readonly ConcurrentDictionary<TimeSpan, ReplayCache> _replays = new();

    /// <summary>
    /// The authenticator of a trigger's credential: no authentication without one, <see langword="null"/> when the credential
    /// is gone. Credentials never change once saved, so the store is read only the first time, not per request.
    /// </summary>
    public async ValueTask<IWebhookAuthenticator?> AuthenticatorAsync(string? credentialId, ICredentialStore store, CancellationToken cancellationToken)
    {
        if (credentialId is null)
        {
            return NoAuthentication;
        }

        if (_authenticators.TryGetValue(credentialId, out var cached))
        {
            return cached;
        }

        var credential = await store.GetAsync(credentialId, cancellationToken).ConfigureAwait(false);
        if (credential is null)
        {
            return null;
        }

        var built = WebhookAuthenticatorFactory.Create(credential.Fields, Realm);
        if (!_authenticators.TryAdd(credentialId, built))
        {
            (built as IDisposable)?.Dispose();
        }

        return _authenticators[credentialId];
    }

    /// <summary>The flow version's rate limiter, or <see langword="null"/> when it sets no limit.</summary>
    public RateLimiter? Limiter(CompiledFlow flow)
    {
        if (flow.Hook is not { RateLimitPermits: { } permits, RateLimitWindow: { } window })
        {
            return null;
        }

        return _limiters.GetOrAdd((flow.Version.FlowId, flow.Version.Number), _ => new FixedWindowRateLimiter(new FixedWindowRateLimiterOptions
        {
            PermitLimit = permits,
            Window = window,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>The replay cache for signatures accepted within <paramref name="tolerance"/>.</summary>
    public ReplayCache Replays(TimeSpan tolerance) =>
        _replays.GetOrAdd(ReplayCache.WindowFor(tolerance), window => new ReplayCache(time, window));

    public void Dispose()
    {
        foreach (var authenticator in _authenticators.Values)
        {
            (authenticator as IDisposable)?.Dispose();
        }

        foreach (var limiter in _limiters.Values)
        {
            limiter.Dispose();
        }
    }
}
