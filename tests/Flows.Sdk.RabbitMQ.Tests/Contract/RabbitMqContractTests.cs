using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.RabbitMQ.Tests.Support;
using Flows.Sdk.Contracts;
using Flows.Sdk.Storage;
using Flows.Sdk.Tests.Contract;
using FlowStateFeedContractTests = Flows.Sdk.Contracts.FlowStateFeedContractTests;
using Flows.Sdk.RabbitMQ.Tests;

namespace Flows.Sdk.RabbitMQ.Tests.Contract;

/// <summary>
/// The queue contract suite, unchanged, on RabbitMQ: each test gets queues of its own (a prefix) in the run's virtual host,
/// one work queue (so the suite's two flows share it and its turns are this node's), and the suite's fake clock for leases and
/// delays (the broker holds the messages; the node times them).
/// </summary>
[TestFixture]
public sealed class RabbitMqQueueContractTests : QueueContractTests
{
    protected override StoreFactory CreateStores(TimeProvider time, int queueCapacity) =>
        new RabbitStoreFactory(new RabbitNode(TestBroker.NewPrefix(), time, queueCapacity, options => options.Partitions = 1));

    private sealed class RabbitStoreFactory(RabbitNode node) : StoreFactory
    {
        public override IFlowStore Flows => node.Stores.Flows;

        public override ICredentialStore Credentials => node.Stores.Credentials;

        public override IExecutionStore Executions => node.Stores.Executions;

        public override ISnapshotStore Snapshots => node.Stores.Snapshots;

        public override IFlowQueue Queue => node.Queue;

        public override ValueTask DisposeAsync() => node.DisposeAsync();
    }
}

/// <summary>The reply channel contract suite on RabbitMQ (one node: the waits and the replies meet in it).</summary>
[TestFixture]
public sealed class RabbitMqReplyChannelContractTests : ReplyChannelContractTests
{
    private readonly List<RabbitNode> _nodes = [];

    protected override IReplyChannel CreateChannel()
    {
        var node = new RabbitNode(TestBroker.NewPrefix());
        _nodes.Add(node);
        return node.Replies;
    }

    [TearDown]
    public async Task DisposeNodes()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
    }
}

/// <summary>The flow-state feed contract suite on RabbitMQ.</summary>
[TestFixture]
public sealed class RabbitMqFlowStateFeedContractTests : FlowStateFeedContractTests
{
    private readonly List<RabbitNode> _nodes = [];

    protected override IFlowStateFeed CreateFeed()
    {
        var node = new RabbitNode(TestBroker.NewPrefix());
        _nodes.Add(node);
        return node.Feed;
    }

    [TearDown]
    public async Task DisposeNodes()
    {
        foreach (var node in _nodes)
        {
            await node.DisposeAsync();
        }

        _nodes.Clear();
    }
}
