using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Microsoft.Extensions.Time.Testing;

namespace Flows.Sdk.Tests.Contract;

/// <summary>
/// What every <see cref="IReplyChannel"/> must do (its documented guarantees). A distributed channel (RabbitMQ, ...) gets a
/// subclass that creates it and must pass all of these unchanged.
/// </summary>
[CancelAfter(10_000)]
public abstract class ReplyChannelContractTests
{
    /// <summary>Long enough for any channel to deliver; a test that expects no outcome uses <see cref="Short"/>.</summary>
    protected static readonly TimeSpan Long = TimeSpan.FromSeconds(5);

    protected static readonly TimeSpan Short = TimeSpan.FromMilliseconds(200);

    protected IReplyChannel Channel { get; private set; } = null!;

    /// <summary>Makes a fresh channel for one test; its timeouts run on real time.</summary>
    protected abstract IReplyChannel CreateChannel();

    [SetUp]
    public void CreateChannelForTest() => Channel = CreateChannel();

    private static HttpReply Reply(string body) => new() { StatusCode = 201, Body = Newtonsoft.Json.Linq.JToken.FromObject(body) };

    [Test]
    public async Task A_registered_wait_gets_the_reply_published_after_it_started_waiting()
    {
        await using var wait = await Channel.RegisterAsync("e1");
        var outcome = wait.WaitAsync(Long).AsTask();

        (await Channel.PublishAsync("e1", Reply("hello"))).Should().BeTrue();

        var received = await outcome;
        received!.Reply!.StatusCode.Should().Be(201);
        received.Reply.Body!.ToString().Should().Be("hello");
        received.FailureReason.Should().BeNull();
    }

    [Test]
    public async Task A_reply_published_after_the_registration_but_before_the_hook_waits_is_not_lost()
    {
        await using var wait = await Channel.RegisterAsync("e1");
        (await Channel.PublishAsync("e1", Reply("early"))).Should().BeTrue();

        var received = await wait.WaitAsync(Long);

        received!.Reply!.Body!.ToString().Should().Be("early");
    }

    [Test]
    public async Task An_abandonment_reaches_the_wait_with_its_reason()
    {
        await using var wait = await Channel.RegisterAsync("e1");

        await Channel.AbandonAsync("e1", "The flow failed before it replied.");

        var received = await wait.WaitAsync(Long);
        received.Should().Be(new ReplyOutcome(null, "The flow failed before it replied."));
    }

    [Test]
    public async Task The_first_outcome_wins()
    {
        await using var wait = await Channel.RegisterAsync("e1");
        await Channel.PublishAsync("e1", Reply("first"));

        await Channel.AbandonAsync("e1", "too late");
        var second = await Channel.PublishAsync("e1", Reply("second"));

        second.Should().BeFalse("the wait already has its outcome");
        (await wait.WaitAsync(Long))!.Reply!.Body!.ToString().Should().Be("first");
    }

    [Test]
    public async Task A_wait_without_an_outcome_times_out_with_nothing()
    {
        await using var wait = await Channel.RegisterAsync("e1");

        (await wait.WaitAsync(Short)).Should().BeNull();
    }

    [Test]
    public async Task A_reply_for_a_disposed_wait_is_dropped()
    {
        var wait = await Channel.RegisterAsync("e1");
        await wait.DisposeAsync();

        (await Channel.PublishAsync("e1", Reply("late"))).Should().BeFalse();
    }

    [Test]
    public async Task A_reply_nobody_waits_for_is_dropped()
    {
        (await Channel.PublishAsync("nobody", Reply("lost"))).Should().BeFalse();
        var abandon = async () => await Channel.AbandonAsync("nobody", "no reply");
        await abandon.Should().NotThrowAsync();
    }

    [Test]
    public async Task A_reply_reaches_only_the_wait_of_its_own_execution()
    {
        await using var first = await Channel.RegisterAsync("e1");
        await using var second = await Channel.RegisterAsync("e2");

        await Channel.PublishAsync("e2", Reply("for e2"));

        (await second.WaitAsync(Long))!.Reply!.Body!.ToString().Should().Be("for e2");
        (await first.WaitAsync(Short)).Should().BeNull();
    }

    [Test]
    public async Task A_second_wait_for_the_same_execution_is_refused()
    {
        await using var wait = await Channel.RegisterAsync("e1");

        var again = async () => await Channel.RegisterAsync("e1");

        await again.Should().ThrowAsync<InvalidOperationException>().WithMessage("*e1*");
    }

    [Test]
    public async Task A_cancelled_wait_throws_and_can_still_be_disposed()
    {
        await using var wait = await Channel.RegisterAsync("e1");
        using var cancel = new CancellationTokenSource(Short);

        var act = async () => await wait.WaitAsync(Long, cancel.Token);

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    [Test]
    public async Task Many_concurrent_executions_each_get_their_own_reply()
    {
        var waits = await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Channel.RegisterAsync($"e{i}").AsTask()));
        var outcomes = waits.Select(w => w.WaitAsync(Long).AsTask()).ToArray();

        await Task.WhenAll(Enumerable.Range(0, 100).Select(i => Task.Run(async () => await Channel.PublishAsync($"e{i}", Reply($"r{i}")))));

        var received = await Task.WhenAll(outcomes);
        received.Select(r => r!.Reply!.Body!.ToString()).Should().Equal(Enumerable.Range(0, 100).Select(i => $"r{i}"));
        foreach (var wait in waits)
        {
            await wait.DisposeAsync();
        }
    }
}

[TestFixture]
public sealed class InMemoryReplyChannelContractTests : ReplyChannelContractTests
{
    protected override IReplyChannel CreateChannel() => new InMemoryReplyChannel(TimeProvider.System);
}

/// <summary>What the in-process channel adds: its timeouts follow the host's clock, and no wait is left behind.</summary>
[CancelAfter(10_000)]
public sealed class InMemoryReplyChannelTests
{
    [Test]
    public async Task The_timeout_follows_the_hosts_clock()
    {
        var clock = new FakeTimeProvider();
        var channel = new InMemoryReplyChannel(clock);
        await using var wait = await channel.RegisterAsync("e1");
        var outcome = wait.WaitAsync(TimeSpan.FromSeconds(30)).AsTask();

        clock.Advance(TimeSpan.FromSeconds(29));
        outcome.IsCompleted.Should().BeFalse();
        clock.Advance(TimeSpan.FromSeconds(1));

        (await outcome).Should().BeNull();
    }

    [Test]
    public async Task Disposed_and_answered_waits_are_not_kept()
    {
        var channel = new InMemoryReplyChannel(TimeProvider.System);
        var answered = await channel.RegisterAsync("e1");
        var givenUp = await channel.RegisterAsync("e2");

        await channel.PublishAsync("e1", new HttpReply { StatusCode = 200 });
        await givenUp.DisposeAsync();

        channel.Count.Should().Be(0);
        await answered.DisposeAsync();
    }

    [Test]
    public async Task Disposing_an_old_wait_does_not_remove_a_later_one_for_the_same_id()
    {
        var channel = new InMemoryReplyChannel(TimeProvider.System);
        var old = await channel.RegisterAsync("e1");
        await channel.AbandonAsync("e1", "gone");
        await using var later = await channel.RegisterAsync("e1");

        await old.DisposeAsync();

        (await channel.PublishAsync("e1", new HttpReply { StatusCode = 200 })).Should().BeTrue();
    }
}
