using System.Collections.Concurrent;
using Flows.Sdk.Flows;

namespace Flows.Sdk.Contracts;

/// <summary>
/// What every <see cref="IFlowStateFeed"/> must do (its documented guarantees). A distributed feed (PostgreSQL, RabbitMQ, ...)
/// gets a subclass that creates it and must pass all of these unchanged; <see cref="WaitForAsync"/> lets it deliver later.
/// </summary>
[CancelAfter(10_000)]
public abstract class FlowStateFeedContractTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    protected IFlowStateFeed Feed { get; private set; } = null!;

    /// <summary>Makes a fresh feed for one test.</summary>
    protected abstract IFlowStateFeed CreateFeed();

    [SetUp]
    public void CreateFeedForTest() => Feed = CreateFeed();

    [TearDown]
    public void DisposeFeed() => (Feed as IDisposable)?.Dispose();

    protected static FlowStateChange Change(string flowId, FlowStateChangeKind kind, long revision, int? live = 1) =>
        new(flowId, kind, kind == FlowStateChangeKind.Stopped ? FlowState.Stopped : FlowState.Running, 1, kind == FlowStateChangeKind.Stopped ? null : live,
            revision, T0.AddSeconds(revision));

    /// <summary>Waits (5 s at most) until <paramref name="condition"/> holds: a distributed feed delivers within a second.</summary>
    protected static async Task WaitForAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (!condition())
        {
            DateTime.UtcNow.Should().BeBefore(deadline, "the feed should have delivered by now");
            await Task.Delay(10);
        }
    }

    [Test]
    public async Task Every_subscriber_gets_every_change_published_after_it_subscribed()
    {
        var first = new ConcurrentQueue<FlowStateChange>();
        var second = new ConcurrentQueue<FlowStateChange>();
        using var a = Feed.Subscribe(first.Enqueue);
        using var b = Feed.Subscribe(second.Enqueue);
        var published = Change("f1", FlowStateChangeKind.Published, 2);
        var started = Change("f1", FlowStateChangeKind.Started, 3);

        await Feed.PublishAsync(published);
        await Feed.PublishAsync(started);

        await WaitForAsync(() => first.Count == 2 && second.Count == 2);
        first.Should().Equal(published, started);
        second.Should().Equal(published, started);
    }

    [Test]
    public async Task A_disposed_subscription_gets_nothing_more()
    {
        var received = new ConcurrentQueue<FlowStateChange>();
        var witness = new ConcurrentQueue<FlowStateChange>();
        using var watching = Feed.Subscribe(witness.Enqueue);
        var subscription = Feed.Subscribe(received.Enqueue);
        await Feed.PublishAsync(Change("f1", FlowStateChangeKind.Started, 2));
        await WaitForAsync(() => received.Count == 1);

        subscription.Dispose();
        await Feed.PublishAsync(Change("f1", FlowStateChangeKind.Stopped, 3));

        await WaitForAsync(() => witness.Count == 2);
        received.Should().ContainSingle().Which.Kind.Should().Be(FlowStateChangeKind.Started);
    }

    [Test]
    public async Task A_change_older_than_one_delivered_for_the_same_flow_is_superseded()
    {
        var received = new ConcurrentQueue<FlowStateChange>();
        using var subscription = Feed.Subscribe(received.Enqueue);

        await Feed.PublishAsync(Change("f1", FlowStateChangeKind.Stopped, 5));
        await Feed.PublishAsync(Change("f1", FlowStateChangeKind.Started, 4));
        await Feed.PublishAsync(Change("f1", FlowStateChangeKind.Stopped, 5));
        await Feed.PublishAsync(Change("f2", FlowStateChangeKind.Started, 1));

        await WaitForAsync(() => received.Any(c => c.FlowId == "f2"));
        received.Where(c => c.FlowId == "f1").Should().ContainSingle().Which.Revision.Should().Be(5);
    }

    [Test]
    public async Task A_subscriber_that_throws_stops_neither_the_others_nor_the_publisher()
    {
        var received = new ConcurrentQueue<FlowStateChange>();
        using var failing = Feed.Subscribe(_ => throw new InvalidOperationException("subscriber bug"));
        using var working = Feed.Subscribe(received.Enqueue);

        var publish = async () => await Feed.PublishAsync(Change("f1", FlowStateChangeKind.Started, 2));

        await publish.Should().NotThrowAsync();
        await WaitForAsync(() => received.Count == 1);
    }

    [Test]
    public async Task Changes_of_one_flow_published_concurrently_reach_a_subscriber_in_revision_order()
    {
        var received = new ConcurrentQueue<FlowStateChange>();
        using var subscription = Feed.Subscribe(received.Enqueue);

        await Task.WhenAll(Enumerable.Range(1, 200).Select(revision =>
            Task.Run(async () => await Feed.PublishAsync(Change("f1", revision % 2 == 0 ? FlowStateChangeKind.Started : FlowStateChangeKind.Stopped, revision)))));

        await WaitForAsync(() => received.Any(c => c.Revision == 200));
        received.Select(c => c.Revision).Should().BeInAscendingOrder().And.OnlyHaveUniqueItems();
    }

    [Test]
    public void A_change_describes_the_flow_as_committed()
    {
        var flow = new Flow
        {
            Id = "f1", State = FlowState.Running, LatestVersion = 3, LiveVersion = 3, Revision = 7, CreatedAt = T0, UpdatedAt = T0.AddMinutes(1),
            Draft = new FlowDraft("flow", []),
        };

        var change = FlowStateChange.Of(FlowStateChangeKind.Published, flow);

        change.Should().Be(new FlowStateChange("f1", FlowStateChangeKind.Published, FlowState.Running, 3, 3, 7, T0.AddMinutes(1)));
    }
}
