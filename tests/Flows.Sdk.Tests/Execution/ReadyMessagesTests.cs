using Flows.Sdk.Execution;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

/// <summary>The ready messages shared by the queues: round-robin across flows, admission, waiting.</summary>
public sealed class ReadyMessagesTests
{
    private static QueuedMessage Message(string flowId, int n) =>
        new($"{flowId}-{n}", "r", $"e-{flowId}-{n}", flowId, 1, MessageBody.FromObject(new JObject { ["n"] = n }), DateTimeOffset.UnixEpoch);

    [Test]
    [CancelAfter(5000)]
    public async Task Flows_take_turns_and_each_flow_keeps_its_order(CancellationToken cancellationToken)
    {
        var ready = new ReadyMessages();
        ready.AddRange([Message("a", 1), Message("a", 2), Message("a", 3), Message("b", 1), Message("c", 1), Message("b", 2)]);

        var order = new List<string>();
        for (var i = 0; i < 6; i++)
        {
            order.Add((await ready.TakeAsync(AdmitAll.Instance, cancellationToken)).MessageId);
        }

        order.Should().Equal("a-1", "b-1", "c-1", "a-2", "b-2", "a-3");
        ready.Count.Should().Be(0);
    }

    [Test]
    [CancelAfter(5000)]
    public async Task A_flow_the_admission_refuses_is_skipped_and_its_messages_stay(CancellationToken cancellationToken)
    {
        var ready = new ReadyMessages();
        var admission = new Admission { Refused = { "a" } };
        ready.AddRange([Message("a", 1), Message("b", 1)]);

        var taken = await ready.TakeAsync(admission, cancellationToken);
        var waiting = ready.TakeAsync(admission, cancellationToken).AsTask();

        taken.MessageId.Should().Be("b-1");
        ready.Count.Should().Be(1);
        waiting.IsCompleted.Should().BeFalse("the only ready message is of a refused flow");
        admission.Refused.Clear();
        admission.FreeSlot();
        (await waiting.WaitAsync(cancellationToken)).MessageId.Should().Be("a-1");
    }

    [Test]
    [CancelAfter(5000)]
    public async Task A_waiting_taker_gets_the_next_message_added(CancellationToken cancellationToken)
    {
        var ready = new ReadyMessages();
        var waiting = ready.TakeAsync(AdmitAll.Instance, cancellationToken).AsTask();

        waiting.IsCompleted.Should().BeFalse();
        ready.TryAdd(Message("a", 1), capacity: 1).Should().BeTrue();

        (await waiting.WaitAsync(cancellationToken)).MessageId.Should().Be("a-1");
    }

    [Test]
    [CancelAfter(5000)]
    public async Task A_cancelled_taker_takes_nothing(CancellationToken cancellationToken)
    {
        var ready = new ReadyMessages();
        using var cancel = new CancellationTokenSource();
        var waiting = ready.TakeAsync(AdmitAll.Instance, cancel.Token).AsTask();

        await cancel.CancelAsync();
        var act = async () => await waiting.WaitAsync(cancellationToken);
        await act.Should().ThrowAsync<OperationCanceledException>();
        ready.Add(Message("a", 1));

        ready.Count.Should().Be(1, "the message stays for the next taker");
    }

    [Test]
    public void Capacity_counts_ready_messages_only_for_new_ones()
    {
        var ready = new ReadyMessages();

        ready.TryAdd(Message("a", 1), capacity: 2).Should().BeTrue();
        ready.TryAdd(Message("a", 2), capacity: 2).Should().BeTrue();
        ready.TryAdd(Message("b", 1), capacity: 2).Should().BeFalse();
        ready.Add(Message("c", 1));

        ready.Count.Should().Be(3, "a message accepted earlier (a due rebound) is never refused");
    }

    private sealed class Admission : IFlowAdmission
    {
        private Action? _changed;

        public HashSet<string> Refused { get; } = [];

        public bool TryAdmit(string flowId, IReadOnlyCollection<string> flowsWaiting) => !Refused.Contains(flowId);

        public IDisposable OnSlotFreed(Action changed)
        {
            _changed += changed;
            return new CancellationTokenSource();
        }

        public void FreeSlot() => _changed?.Invoke();
    }
}
