using System.Collections.Concurrent;
using System.Threading.RateLimiting;
using Flows.Sdk.Credentials;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;

namespace Flows.Sdk.Hooks;

/// <summary>
/// What the hook keeps between requests: one authenticator per webhook credential (secrets decoded, hash contexts pooled),
/// and one rate limiter per live flow version that sets a limit. Following the flow-state feed, a flow's limiters are dropped
/// when it stops or another version goes live (so a stop and start begins a new rate window). Replay ids are kept by the
/// <see cref="IReplayStore"/>.
/// </summary>
internal sealed class HookGuards : IDisposable
{
    public const string Realm = "Flows.Sdk webhook";

    private static readonly IWebhookAuthenticator NoAuthentication = WebhookAuthenticatorFactory.Create(new Newtonsoft.Json.Linq.JObject { ["type"] = "none" });
    private readonly ConcurrentDictionary<string, IWebhookAuthenticator> _authenticators = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<(string FlowId, int Version), RateLimiter> _limiters = new();
    private readonly IDisposable _subscription;

    public HookGuards(IFlowStateFeed stateFeed)
    {
        ArgumentNullException.ThrowIfNull(stateFeed);
        _subscription = stateFeed.Subscribe(OnFlowStateChanged);
    }

    /// <summary>How many rate limiters are kept (tests).</summary>
    internal int LimiterCount => _limiters.Count;

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
    private RateLimiter? Limiter(CompiledFlow flow)
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

    /// <summary>
    /// Takes a permit of the flow version's rate limit: <see langword="true"/> when it sets none or a permit is left; otherwise
    /// <see langword="false"/> with how long to wait.
    /// </summary>
    public bool TryAcquire(CompiledFlow flow, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (Limiter(flow) is not { } limiter)
        {
            return true;
        }

        try
        {
            using var lease = limiter.AttemptAcquire();
            if (lease.IsAcquired)
            {
                return true;
            }

            retryAfter = lease.TryGetMetadata(MetadataName.RetryAfter, out var wait) ? wait : TimeSpan.FromSeconds(1);
            return false;
        }
        catch (ObjectDisposedException)
        {
            // The flow was stopped or another version went live while this request was on its way: the next request no longer
            // reaches this limiter; this one is not limited by a limiter that is gone.
            return true;
        }
    }

    private void OnFlowStateChanged(FlowStateChange change)
    {
        foreach (var key in _limiters.Keys)
        {
            if (key.FlowId == change.FlowId && key.Version != change.LiveVersion && _limiters.TryRemove(key, out var limiter))
            {
                limiter.Dispose();
            }
        }
    }

    public void Dispose()
    {
        _subscription.Dispose();
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
