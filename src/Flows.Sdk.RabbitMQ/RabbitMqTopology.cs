using RabbitMQ.Client;

namespace Flows.Sdk.RabbitMQ;

/// <summary>
/// The names and arguments of what this SDK declares in the broker (see the package README, "Queue layout"). Every queue but the
/// per-node ones is a durable quorum queue; all are declared by every node at connect (declaring is idempotent).
/// </summary>
internal sealed class RabbitMqTopology(RabbitMqOptions options, int capacity)
{
    public string Prefix { get; } = options.Prefix;

    public int Partitions { get; } = options.Partitions;

    /// <summary>The partitions' quorum queues; a flow's messages go to one of them (<see cref="PartitionOf"/>).</summary>
    public string Work(int partition) => $"{Prefix}.work.{partition}";

    /// <summary>Delayed messages (rebounds, abandoned deliveries): held by a node until due, or sent through the hop queue.</summary>
    public string Delayed => $"{Prefix}.delayed";

    /// <summary>The hop queue: a fixed TTL (<see cref="RabbitMqOptions.DelayHop"/>), dead-lettering back into <see cref="Delayed"/>.</summary>
    public string DelayHop => $"{Prefix}.delayed.hop";

    /// <summary>Messages the broker dead-lettered after <see cref="RabbitMqOptions.DeliveryLimit"/> returns (or that were unreadable).</summary>
    public string Dead => $"{Prefix}.dead";

    /// <summary>The flow-state feed's fanout exchange.</summary>
    public string StateExchange => $"{Prefix}.state";

    /// <summary>A node's reply queue (exclusive to its connection).</summary>
    public string ReplyQueue(string node) => $"{Prefix}.reply.{node}";

    /// <summary>The partition of a flow: a stable hash (FNV-1a of its id), the same on every node and every run.</summary>
    public int PartitionOf(string flowId)
    {
        var hash = 2166136261u;
        foreach (var c in flowId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return (int)(hash % (uint)Partitions);
    }

    /// <summary>Declares the shared queues and the state exchange (idempotent; refused when an existing one has other arguments).</summary>
    public async Task DeclareAsync(IChannel channel, CancellationToken cancellationToken)
    {
        for (var i = 0; i < Partitions; i++)
        {
            await channel.QueueDeclareAsync(Work(i), durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
            {
                ["x-queue-type"] = "quorum",
                ["x-delivery-limit"] = options.DeliveryLimit,
                ["x-max-length"] = capacity,
                ["x-overflow"] = "reject-publish",
                ["x-dead-letter-exchange"] = string.Empty,
                ["x-dead-letter-routing-key"] = Dead,
                ["x-dead-letter-strategy"] = "at-least-once",
            }, cancellationToken: cancellationToken).ConfigureAwait(false);
        }

        await channel.QueueDeclareAsync(Delayed, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(DelayHop, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
            ["x-message-ttl"] = (long)options.DelayHop.TotalMilliseconds,
            ["x-overflow"] = "reject-publish",
            ["x-dead-letter-exchange"] = string.Empty,
            ["x-dead-letter-routing-key"] = Delayed,
            ["x-dead-letter-strategy"] = "at-least-once",
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.QueueDeclareAsync(Dead, durable: true, exclusive: false, autoDelete: false, arguments: new Dictionary<string, object?>
        {
            ["x-queue-type"] = "quorum",
        }, cancellationToken: cancellationToken).ConfigureAwait(false);
        await channel.ExchangeDeclareAsync(StateExchange, ExchangeType.Fanout, durable: true, autoDelete: false, cancellationToken: cancellationToken).ConfigureAwait(false);
    }
}
