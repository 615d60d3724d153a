namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// How Flows.Sdk uses RabbitMQ (<c>builder.UseRabbitMq(uri)</c>): the broker, the queue layout and the limits. Validated at
/// start; a wrong value fails the host with a message naming the setting.
/// </summary>
public sealed class RabbitMqOptions
{
    /// <summary>The configuration key of <see cref="Uri"/> in the example app: <c>Queue:RabbitMQ:Uri</c>.</summary>
    public const string UriSetting = "Queue:RabbitMQ:Uri";

    /// <summary>
    /// The broker: <c>amqp://user:password@host:5672/vhost</c> (<c>amqps://</c> for TLS). Required. The password is never logged.
    /// </summary>
    public Uri? Uri { get; set; }

    /// <summary>
    /// The prefix of every queue and exchange this SDK declares (default <c>flows</c>): nodes that share a prefix (and a virtual
    /// host) share the work. Letters, digits, <c>.</c>, <c>-</c> and <c>_</c>, at most 64 characters.
    /// </summary>
    public string Prefix { get; set; } = "flows";

    /// <summary>
    /// How many work queues (quorum queues) the messages are spread over, by flow (default 4, at most 64): a flow's messages all go
    /// to one of them, so a flooding flow holds up only the flows that share its queue. Changing it for a running system moves
    /// flows to other queues; messages in the old ones are still consumed while their queues exist.
    /// </summary>
    public int Partitions { get; set; } = 4;

    /// <summary>
    /// How many times the broker delivers a message that is returned unacknowledged (a lease that ran out, a node that died mid-run)
    /// before it dead-letters it (default 10; the quorum queues' <c>x-delivery-limit</c>). A dead-lettered message's execution ends
    /// <c>failed</c> with the reason. A node that stops returns the messages it prefetched, which counts too: leave room for that.
    /// </summary>
    public int DeliveryLimit { get; set; } = 10;

    /// <summary>
    /// How many unacknowledged messages each work-queue consumer of a node holds (the broker's prefetch); <see langword="null"/>
    /// (default): four times the node's <c>WebhookFlowsOptions.MaxConcurrency</c>, so the next messages are at hand while the
    /// acknowledgements of the finished ones travel (with one per worker the node drained slower than its hooks accepted).
    /// </summary>
    public int? Prefetch { get; set; }

    /// <summary>How long an enqueue waits for the broker's publisher confirm before it answers "unavailable" (default 10 s).</summary>
    public TimeSpan PublishTimeout { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>How often the client tries to reconnect after it lost the broker (default 2 s); also the hook's <c>Retry-After</c>.</summary>
    public TimeSpan RecoveryInterval { get; set; } = TimeSpan.FromSeconds(2);

    /// <summary>
    /// How long a delayed message (a rebound, an abandoned delivery) waits in the broker's hop queue before a node looks at it again
    /// (default 10 minutes): a node holds delayed messages that are due within this long itself; longer delays pass through the
    /// hop queue (its TTL) as many times as they need. Keep it well below the broker's <c>consumer_timeout</c> (30 minutes by default).
    /// </summary>
    public TimeSpan DelayHop { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>This node's name in the broker's connection list and its reply queue (default: machine name and process id).</summary>
    public string? NodeName { get; set; }
}
