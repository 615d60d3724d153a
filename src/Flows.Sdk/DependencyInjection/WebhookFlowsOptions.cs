namespace Flows.Sdk.DependencyInjection;

/// <summary>Settings of the webhook flows engine. Validated when the host starts.</summary>
public sealed class WebhookFlowsOptions
{
    /// <summary>The largest request body a hook accepts, in bytes (default 1 MiB). A larger body is answered <c>413</c>.</summary>
    public long MaxBodySize { get; set; } = 1024 * 1024;

    /// <summary>The deepest nesting of a JSON or XML body a hook accepts (default 64). A deeper body is answered <c>400</c>.</summary>
    public int MaxBodyDepth { get; set; } = 64;

    /// <summary>How many accepted messages may wait to run (default 1024). When full, a hook answers <c>503</c>.</summary>
    public int QueueCapacity { get; set; } = 1024;

    /// <summary>
    /// How long a dequeued message is leased to its worker (default 5 minutes): a message neither acknowledged nor renewed
    /// within it is delivered again. The workers renew the lease of a message while it runs, so this bounds only how long a
    /// message of a lost worker waits before it runs again.
    /// </summary>
    public TimeSpan QueueLeaseDuration { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>
    /// How many messages run at once (default four per processor). At start the workers raise the thread pool's minimum
    /// (never lower it) to the processor count plus this, so that mappings running into their time limit, which are CPU work
    /// on pool threads, cannot starve the hooks, the store and the other flows.
    /// </summary>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount * 4;

    /// <summary>
    /// How many executions of one flow run at once when it is the only flow with work (default half of
    /// <see cref="MaxConcurrency"/>, at least 1, so that one flow never takes every worker); at most <see cref="MaxConcurrency"/>.
    /// While other flows have messages waiting, a flow gets at most its fair share of the workers:
    /// <c>max(1, MaxConcurrency / flows with running or waiting messages)</c>, never more than this.
    /// </summary>
    public int MaxConcurrencyPerFlow
    {
        get => _maxConcurrencyPerFlow ?? Math.Max(1, MaxConcurrency / 2);
        set => _maxConcurrencyPerFlow = value;
    }

    private int? _maxConcurrencyPerFlow;

    /// <summary>How many times a step is retried after a transient failure (network error, HTTP 5xx or 429, timeout); default 3.</summary>
    public int TransientRetryCount { get; set; } = 3;

    /// <summary>The delay before the first transient retry (default 1 s); it doubles for each further retry, with jitter.</summary>
    public TimeSpan TransientRetryDelay { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The longest delay between transient retries (default 30 s).</summary>
    public TimeSpan TransientRetryMaxDelay { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>The delay before the first rebound (default 15 s); it doubles for each further rebound.</summary>
    public TimeSpan ReboundInitialDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How many times a step may rebound one message (default 20); then the step fails with "Rebound limit exceeded".</summary>
    public int MaxRebounds { get; set; } = 20;

    /// <summary>How long a hook waits for a flow's HTTP reply (default 30 s) before answering <c>504</c>.</summary>
    public TimeSpan ReplyTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>How long the run log keeps finished executions (default 30 days).</summary>
    public TimeSpan RunLogMaxAge { get; set; } = TimeSpan.FromDays(30);

    /// <summary>How many finished executions the run log keeps per flow (default 10,000).</summary>
    public int RunLogMaxCountPerFlow { get; set; } = 10_000;

    /// <summary>How often the run log is pruned (default every 10 minutes).</summary>
    public TimeSpan RunLogPruneInterval { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>How long a component may take to verify a credential (default 30 s, at most 30 s).</summary>
    public TimeSpan CredentialVerificationTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
