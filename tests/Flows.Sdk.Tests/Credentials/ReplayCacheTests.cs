using Flows.Sdk.Credentials;
using Microsoft.Extensions.Time.Testing;

namespace Flows.Sdk.Tests.Credentials;

public class ReplayCacheTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(600);

    [Test]
    public void The_first_delivery_is_registered()
    {
        var cache = new ReplayCache(new FakeTimeProvider(), Window);

        cache.TryRegister("flow-1", "msg-1", "req-1", out var first).Should().BeTrue();
        first.Should().Be("req-1");
    }

    [Test]
    public void A_replay_within_the_window_gives_the_first_request_id()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReplayCache(clock, Window);
        cache.TryRegister("flow-1", "msg-1", "req-1", out _);
        clock.Advance(Window - TimeSpan.FromSeconds(1));

        cache.TryRegister("flow-1", "msg-1", "req-2", out var first).Should().BeFalse();
        first.Should().Be("req-1");
    }

    [Test]
    public void A_delivery_after_the_window_is_new_again()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReplayCache(clock, Window);
        cache.TryRegister("flow-1", "msg-1", "req-1", out _);
        clock.Advance(Window);

        cache.TryRegister("flow-1", "msg-1", "req-2", out var first).Should().BeTrue();
        first.Should().Be("req-2");
    }

    [Test]
    public void The_same_message_id_on_another_flow_is_another_message()
    {
        var cache = new ReplayCache(new FakeTimeProvider(), Window);
        cache.TryRegister("flow-1", "msg-1", "req-1", out _);

        cache.TryRegister("flow-2", "msg-1", "req-2", out _).Should().BeTrue();
    }

    [Test]
    public void Expired_entries_are_dropped()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReplayCache(clock, Window);
        for (var i = 0; i < 100; i++)
        {
            cache.TryRegister("flow", $"msg-{i}", $"req-{i}", out _);
        }

        clock.Advance(Window);
        cache.EvictExpired();

        cache.Count.Should().Be(0);
    }

    [Test]
    public void Memory_is_bounded_by_dropping_the_oldest_entries()
    {
        var clock = new FakeTimeProvider();
        var cache = new ReplayCache(clock, Window, capacity: 10);
        for (var i = 0; i < 25; i++)
        {
            cache.TryRegister("flow", $"msg-{i}", $"req-{i}", out _);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        cache.Count.Should().Be(10);
        cache.TryRegister("flow", "msg-24", "again", out _).Should().BeFalse("the newest entries are kept");
        cache.TryRegister("flow", "msg-0", "again", out _).Should().BeTrue("the oldest entries were dropped");
    }

    [Test]
    public void The_window_for_a_tolerance_covers_both_directions_of_the_clock_skew()
    {
        ReplayCache.WindowFor(TimeSpan.FromSeconds(300)).Should().Be(TimeSpan.FromSeconds(600));
    }

    [Test]
    public void Concurrent_registrations_of_one_message_let_exactly_one_through()
    {
        var cache = new ReplayCache(new FakeTimeProvider(), Window);
        var firsts = 0;

        Parallel.For(0, 64, i =>
        {
            if (cache.TryRegister("flow", "msg", $"req-{i}", out _))
            {
                Interlocked.Increment(ref firsts);
            }
        });

        firsts.Should().Be(1);
    }
}
