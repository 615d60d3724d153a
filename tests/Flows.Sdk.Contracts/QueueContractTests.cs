using Flows.Sdk.Execution;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Contracts;

/// <summary>
/// What every <see cref="IFlowQueue"/> must do, whatever keeps the messages: durable enqueue (one or a batch), capacity,
/// leases (ack, abandon with a delay, expiry, renewal), delayed messages, fair admission. A new queue (a broker, ...) gets a
/// subclass that returns its own <see cref="StoreFactory"/> and must pass all of these unchanged. Time is a
/// <see cref="FakeTimeProvider"/>: no test sleeps; "nothing is delivered" is a dequeue that must time out.
/// </summary>
[CancelAfter(30_000)]
public abstract class QueueContractTests
{
    protected const int QueueCapacity = 3;

    private static readonly DateTimeOffset T0 = StoreContractTests.T0;
    private static readonly TimeSpan Nothing = TimeSpan.FromMilliseconds(300);

    private StoreFactory _stores = null!;

    protected FakeTimeProvider Time { get; private set; } = null!;

    private IFlowQueue Queue => _stores.Queue;

    /// <summary>Makes a fresh, empty queue (and stores) for one test.</summary>
    protected abstract StoreFactory CreateStores(TimeProvider time, int queueCapacity);

    [SetUp]
    public void CreateStoresForTest()
    {
        Time = new FakeTimeProvider(T0);
        _stores = CreateStores(Time, QueueCapacity);
    }

    [TearDown]
    public async Task DisposeStores() => await _stores.DisposeAsync();

    [Test]
    public async Task A_queued_message_is_delivered_as_it_was_accepted_under_a_lease()
    {
        var message = NewMessage("m1") with { ResumeStepId = "step_2", Attempt = 2, StepOutputs = new JObject { ["step_1"] = new JObject { ["a"] = 1 } } };

        (await Queue.TryEnqueueAsync(message)).Should().BeTrue();
        var delivery = await DequeueWithin(TimeSpan.FromSeconds(5));

        Json(delivery.Message).Should().Be(Json(message));
        delivery.DeliveryCount.Should().Be(1);
        Queue.LeaseDuration.Should().BePositive();
        delivery.LeaseExpiresAt.Should().Be(T0 + Queue.LeaseDuration);
        Queue.Count.Should().Be(0, "a leased message is not waiting");
        await delivery.AckAsync();
    }

    [Test]
    public async Task Messages_of_a_flow_are_delivered_in_the_order_they_were_accepted_and_flows_take_turns()
    {
        foreach (var (id, flow) in new[] { ("a1", "fa"), ("a2", "fa"), ("b1", "fb") })
        {
            (await Queue.TryEnqueueAsync(NewMessage(id, flow))).Should().BeTrue();
        }

        var ids = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var delivery = await DequeueWithin(TimeSpan.FromSeconds(5));
            ids.Add(delivery.Message.MessageId);
            await delivery.AckAsync();
        }

        ids.Should().Equal("a1", "b1", "a2");
    }

    [Test]
    public async Task An_acknowledged_message_is_not_delivered_again_even_after_its_lease_would_have_ended()
    {
        await Queue.TryEnqueueAsync(NewMessage("m1"));
        var delivery = await DequeueWithin(TimeSpan.FromSeconds(5));

        await delivery.AckAsync();
        Time.Advance(Queue.LeaseDuration * 3);

        await NothingIsDelivered();
        (await delivery.RenewAsync()).Should().BeFalse("a settled delivery has no lease to renew");
    }

    [Test]
    public async Task An_abandoned_message_is_delivered_again_after_its_delay_with_its_count_one_higher()
    {
        await Queue.TryEnqueueAsync(NewMessage("m1"));
        var first = await DequeueWithin(TimeSpan.FromSeconds(5));

        await first.AbandonAsync(TimeSpan.FromMinutes(2));
        await NothingIsDelivered();
        Time.Advance(TimeSpan.FromMinutes(2));
        var second = await DequeueWithin(TimeSpan.FromSeconds(5));

        second.Message.MessageId.Should().Be("m1");
        second.DeliveryCount.Should().Be(2);
        await second.AckAsync();
        await first.AckAsync(); // Settled already: does nothing.
        await NothingIsDelivered();
    }

    [Test]
    public async Task An_abandoned_message_without_delay_is_ready_at_once_and_a_negative_delay_is_refused()
    {
        await Queue.TryEnqueueAsync(NewMessage("m1"));
        var first = await DequeueWithin(TimeSpan.FromSeconds(5));

        var negative = async () => await first.AbandonAsync(TimeSpan.FromSeconds(-1));
        await negative.Should().ThrowAsync<ArgumentOutOfRangeException>();
        await first.AbandonAsync(TimeSpan.Zero);

        Queue.Count.Should().Be(1);
        (await DequeueWithin(TimeSpan.FromSeconds(5))).DeliveryCount.Should().Be(2);
    }

    [Test]
    public async Task A_lease_that_expires_delivers_the_message_again_with_its_count_one_higher_and_the_lost_delivery_is_inert()
    {
        await Queue.TryEnqueueAsync(NewMessage("m1"));
        var lost = await DequeueWithin(TimeSpan.FromSeconds(5));

        Time.Advance(Queue.LeaseDuration - TimeSpan.FromSeconds(1));
        await NothingIsDelivered();
        Time.Advance(TimeSpan.FromSeconds(1));
        var again = await DequeueWithin(TimeSpan.FromSeconds(5));

        again.Message.MessageId.Should().Be("m1");
        again.DeliveryCount.Should().Be(2);
        (await lost.RenewAsync()).Should().BeFalse("the lease is lost");
        await lost.AckAsync(); // Lost: acknowledging it must not settle the new delivery.
        Time.Advance(Queue.LeaseDuration);
        var third = await DequeueWithin(TimeSpan.FromSeconds(5));
        third.DeliveryCount.Should().Be(3, "the second delivery was not acknowledged either");
        await third.AckAsync();
    }

    [Test]
    public async Task A_renewed_lease_keeps_the_message_with_its_consumer()
    {
        await Queue.TryEnqueueAsync(NewMessage("m1"));
        var delivery = await DequeueWithin(TimeSpan.FromSeconds(5));
        var step = Queue.LeaseDuration * 0.75;

        for (var i = 0; i < 4; i++)
        {
            Time.Advance(step);
            (await delivery.RenewAsync()).Should().BeTrue();
            delivery.LeaseExpiresAt.Should().Be(Time.GetUtcNow() + Queue.LeaseDuration);
        }

        await NothingIsDelivered();
        await delivery.AckAsync();
    }

    [Test]
    public async Task A_full_queue_refuses_a_new_message_but_never_a_delayed_one()
    {
        for (var i = 0; i < QueueCapacity; i++)
        {
            (await Queue.TryEnqueueAsync(NewMessage($"m{i}"))).Should().BeTrue();
        }

        (await Queue.TryEnqueueAsync(NewMessage("one-too-many"))).Should().BeFalse();
        (await Queue.TryEnqueueAsync(NewMessage("rebound") with { NotBefore = T0.AddMinutes(1) })).Should().BeTrue();
        Queue.Count.Should().Be(QueueCapacity);

        await (await DequeueWithin(TimeSpan.FromSeconds(5))).AckAsync();
        (await Queue.TryEnqueueAsync(NewMessage("fits-again"))).Should().BeTrue();
    }

    [Test]
    public async Task A_batch_is_accepted_in_order_while_there_is_room_and_refused_beyond_it()
    {
        var batch = new[] { NewMessage("m1"), NewMessage("m2"), NewMessage("later") with { NotBefore = T0.AddMinutes(5) }, NewMessage("m3"), NewMessage("m4"), NewMessage("m5") };

        var accepted = await Queue.EnqueueAsync(batch);

        accepted.Should().Equal(true, true, true, true, false, false);
        Queue.Count.Should().Be(QueueCapacity);
        var ids = new List<string>();
        for (var i = 0; i < QueueCapacity; i++)
        {
            var delivery = await DequeueWithin(TimeSpan.FromSeconds(5));
            ids.Add(delivery.Message.MessageId);
            await delivery.AckAsync();
        }

        ids.Should().Equal("m1", "m2", "m3");
        await NothingIsDelivered();
        Time.Advance(TimeSpan.FromMinutes(5));
        (await DequeueWithin(TimeSpan.FromSeconds(5))).Message.MessageId.Should().Be("later");
        (await Queue.EnqueueAsync([])).Should().BeEmpty();
    }

    [Test]
    public async Task A_delayed_message_is_not_delivered_before_its_time()
    {
        (await Queue.TryEnqueueAsync(NewMessage("later") with { NotBefore = T0.AddMinutes(5) })).Should().BeTrue();

        Queue.Count.Should().Be(0, "a delayed message is not waiting yet");
        await NothingIsDelivered();
        Time.Advance(TimeSpan.FromMinutes(5) - TimeSpan.FromSeconds(1));
        await NothingIsDelivered();
        Time.Advance(TimeSpan.FromSeconds(1));

        var delivered = await DequeueWithin(TimeSpan.FromSeconds(5));
        delivered.Message.MessageId.Should().Be("later");
        delivered.DeliveryCount.Should().Be(1);
    }

    [Test]
    public async Task A_flow_the_admission_refuses_is_skipped_and_delivered_once_a_slot_is_freed()
    {
        var admission = new RefusingAdmission("fa");
        await Queue.TryEnqueueAsync(NewMessage("a1", "fa"));
        await Queue.TryEnqueueAsync(NewMessage("b1", "fb"));

        var first = await DequeueWithin(TimeSpan.FromSeconds(5), admission);
        var waiting = DequeueWithin(TimeSpan.FromSeconds(5), admission); // The queue decides synchronously: admit or wait.

        first.Message.MessageId.Should().Be("b1");
        waiting.IsCompleted.Should().BeFalse("the only ready message is of a refused flow");
        Queue.Count.Should().Be(1);
        admission.Allow();
        (await waiting).Message.MessageId.Should().Be("a1");
    }

    protected static QueuedMessage NewMessage(string id, string flowId = "f1") => StoreContractTests.NewMessage(id) with { FlowId = flowId };

    private static string Json(object? value) => JsonConvert.SerializeObject(value);

    private async Task<IFlowDelivery> DequeueWithin(TimeSpan timeout, IFlowAdmission? admission = null)
    {
        using var cts = new CancellationTokenSource(timeout);
        return admission is null ? await Queue.DequeueAsync(cts.Token) : await Queue.DequeueAsync(admission, cts.Token);
    }

    private async Task NothingIsDelivered()
    {
        var act = async () => await DequeueWithin(Nothing);
        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    /// <summary>Refuses one flow until <see cref="Allow"/>, which frees a slot as a finished run does.</summary>
    private sealed class RefusingAdmission(string refused) : IFlowAdmission
    {
        private readonly List<Action> _listeners = [];
        private volatile bool _allowed;

        public bool TryAdmit(string flowId, IReadOnlyCollection<string> flowsWaiting)
        {
            flowsWaiting.Should().Contain(flowId);
            return _allowed || flowId != refused;
        }

        public IDisposable OnSlotFreed(Action changed)
        {
            lock (_listeners)
            {
                _listeners.Add(changed);
            }

            return new Registration(() =>
            {
                lock (_listeners)
                {
                    _listeners.Remove(changed);
                }
            });
        }

        public void Allow()
        {
            _allowed = true;
            Action[] listeners;
            lock (_listeners)
            {
                listeners = [.. _listeners];
            }

            foreach (var listener in listeners)
            {
                listener();
            }
        }

        private sealed class Registration(Action dispose) : IDisposable
        {
            public void Dispose() => dispose();
        }
    }
}
