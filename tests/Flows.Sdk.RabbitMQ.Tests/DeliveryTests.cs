using System.Collections.Concurrent;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.RabbitMQ.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.RabbitMQ.Tests;

/// <summary>What the broker adds to the queue contract: poison messages, delays across a restart, the state feed across nodes.</summary>
[CancelAfter(60_000)]
public sealed class DeliveryTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    [Test]
    public async Task A_message_returned_past_the_delivery_limit_is_dead_lettered_and_its_execution_ends_failed_with_the_reason()
    {
        var time = new FakeTimeProvider(T0);
        await using var node = new RabbitNode(TestBroker.NewPrefix(), time, configure: options => options.DeliveryLimit = 1);
        await node.DeadLetters.StartAsync(CancellationToken.None);
        var message = Message("poison");
        await using var wait = await node.Replies.RegisterAsync(message.ExecutionId);
        (await node.Queue.TryEnqueueAsync(message)).Should().BeTrue();

        // Every delivery's lease runs out (as when the node running it dies each time): the broker counts the returns.
        var deliveries = 0;
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        FlowExecution? failed = null;
        while (failed is null)
        {
            using var poll = CancellationTokenSource.CreateLinkedTokenSource(deadline.Token);
            poll.CancelAfter(TimeSpan.FromMilliseconds(300));
            try
            {
                var delivery = await node.FlowQueue.DequeueAsync(poll.Token);
                deliveries++;
                delivery.DeliveryCount.Should().Be(deliveries);
                time.Advance(node.Queue.LeaseDuration);
            }
            catch (OperationCanceledException) when (!deadline.IsCancellationRequested)
            {
                failed = await node.Stores.Executions.GetAsync(message.ExecutionId, deadline.Token) is { Status: ExecutionStatus.Failed } done ? done : null;
            }
        }

        deliveries.Should().Be(2, "the limit of 1 lets the broker deliver once more after the first return");
        var error = failed.Steps[^1].Error!;
        error.Type.Should().Be(RabbitMqDeadLetters.ErrorType);
        error.Message.Should().Contain("delivery limit 1").And.Contain("dead-lettered");
        failed.Failure.Should().NotBeNull("it can be retried");
        var outcome = await wait.WaitAsync(TimeSpan.FromSeconds(5));
        outcome!.FailureReason.Should().Be(error.Message, "a hook waiting for the reply gets the reason");
    }

    [Test]
    public async Task An_abandoned_delivery_keeps_its_delay_across_a_restart_of_the_consumer()
    {
        var prefix = TestBroker.NewPrefix();
        var delay = TimeSpan.FromSeconds(3);
        DateTimeOffset due;
        await using (var first = new RabbitNode(prefix))
        {
            (await first.Queue.TryEnqueueAsync(Message("m1"))).Should().BeTrue();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            var delivery = await first.FlowQueue.DequeueAsync(timeout.Token);
            due = TimeProvider.System.GetUtcNow() + delay;
            await delivery.AbandonAsync(delay);
        }

        // A new node (a restarted process) finds the message delayed, not ready: it comes when due, not before, counted on.
        await using var second = new RabbitNode(prefix);
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        var again = await second.FlowQueue.DequeueAsync(deadline.Token);

        TimeProvider.System.GetUtcNow().Should().BeOnOrAfter(due - TimeSpan.FromMilliseconds(20), "the delay survived the restart");
        again.Message.MessageId.Should().Be("m1");
        again.DeliveryCount.Should().Be(2);
        await again.AckAsync();
    }

    [Test]
    public async Task A_flow_state_change_published_on_one_node_reaches_another_within_a_second()
    {
        var prefix = TestBroker.NewPrefix();
        await using var a = new RabbitNode(prefix);
        await using var b = new RabbitNode(prefix);
        var received = new ConcurrentQueue<FlowStateChange>();
        using var subscription = b.Feed.Subscribe(received.Enqueue);
        await b.Feed.Listening.WaitAsync(TimeSpan.FromSeconds(10));
        a.Feed.Start();
        await a.Feed.Listening.WaitAsync(TimeSpan.FromSeconds(10));
        var change = new FlowStateChange("f1", FlowStateChangeKind.Stopped, FlowState.Stopped, 1, null, 7, T0);

        var published = DateTime.UtcNow;
        await a.Feed.PublishAsync(change);
        while (received.IsEmpty)
        {
            (DateTime.UtcNow - published).Should().BeLessThan(TimeSpan.FromSeconds(1), "a change reaches every node within a second");
            await Task.Delay(5);
        }

        received.Should().Equal(change);
    }

    private static QueuedMessage Message(string id) =>
        new(id, "r-" + id, "e-" + id, "f1", 1, MessageBody.FromObject(new JObject { ["n"] = 1 }), T0);
}
