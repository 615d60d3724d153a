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

    /// <summary>How many messages run at once (default four per processor).</summary>
    public int MaxConcurrency { get; set; } = Environment.ProcessorCount * 4;

    /// <summary>How long a component may take to verify a credential (default 30 s, at most 30 s).</summary>
    public TimeSpan CredentialVerificationTimeout { get; set; } = TimeSpan.FromSeconds(30);
}
