using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Flows.Sdk.RabbitMQ.Tests;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.RabbitMQ.Tests.Support;

/// <summary>
/// One node's RabbitMQ parts (connection, reply channel, queue, state feed, dead-letter consumer) over the run's virtual host,
/// built without a host, with in-memory stores (or the ones given: two nodes can share them as they would share a database).
/// </summary>
internal sealed class RabbitNode : IAsyncDisposable
{
    public RabbitNode(
        string prefix, TimeProvider? time = null, int queueCapacity = 1024, Action<RabbitMqOptions>? configure = null,
        TimeSpan? leaseDuration = null, int? port = null, MemoryStores? stores = null)
    {
        var options = new RabbitMqOptions
        {
            Uri = TestBroker.Uri(port ?? TestBroker.Port),
            Prefix = prefix,
            RecoveryInterval = TimeSpan.FromMilliseconds(500),
        };
        configure?.Invoke(options);
        new RabbitMqOptionsValidator().Validate(null, options).Succeeded.Should().BeTrue();
        var flows = Options.Create(new WebhookFlowsOptions { QueueCapacity = queueCapacity, QueueLeaseDuration = leaseDuration ?? TimeSpan.FromMinutes(5), MaxConcurrency = 4 });
        Time = time ?? TimeProvider.System;
        Stores = stores ?? new MemoryStores();
        Connection = new RabbitMqConnection(Options.Create(options), flows, NullLogger<RabbitMqConnection>.Instance);
        Replies = new RabbitMqReplyChannel(Connection, Time);
        Queue = new RabbitMqFlowQueue(Connection, Replies, flows, NullLogger<RabbitMqFlowQueue>.Instance, Time);
        Feed = new RabbitMqFlowStateFeed(Connection, NullLogger<RabbitMqFlowStateFeed>.Instance);
        DeadLetters = new RabbitMqDeadLetters(Connection, Stores.Executions, Stores.Flows, Replies, Time, NullLogger<RabbitMqDeadLetters>.Instance);
    }

    public TimeProvider Time { get; }

    public MemoryStores Stores { get; }

    public RabbitMqConnection Connection { get; }

    public RabbitMqReplyChannel Replies { get; }

    public RabbitMqFlowQueue Queue { get; }

    /// <summary>The queue as the workers see it (the port).</summary>
    public IFlowQueue FlowQueue => Queue;

    public RabbitMqFlowStateFeed Feed { get; }

    public RabbitMqDeadLetters DeadLetters { get; }

    public async ValueTask DisposeAsync()
    {
        await DeadLetters.StopAsync();
        await Queue.DisposeAsync();
        await Feed.DisposeAsync();
        await Replies.DisposeAsync();
        await Connection.DisposeAsync();
    }

    /// <summary>The in-memory stores of the core, as a host has them.</summary>
    internal sealed class MemoryStores
    {
        private readonly ServiceProvider _services = new ServiceCollection().AddLogging().AddWebhookFlowsCore().Services.BuildServiceProvider();

        public IFlowStore Flows => _services.GetRequiredService<IFlowStore>();

        public ICredentialStore Credentials => _services.GetRequiredService<ICredentialStore>();

        public IExecutionStore Executions => _services.GetRequiredService<IExecutionStore>();

        public ISnapshotStore Snapshots => _services.GetRequiredService<ISnapshotStore>();
    }
}
