using Flows.Sdk.Credentials;
using Flows.Sdk.Hooks;
using Microsoft.Extensions.Time.Testing;

namespace Flows.Sdk.Tests.Hooks;

/// <summary>What the in-process replay store adds to the contract (Contract/ReplayStoreContractTests): bounded memory.</summary>
public class InMemoryReplayStoreTests
{
    private static readonly TimeSpan Window = TimeSpan.FromSeconds(600);

    [Test]
    public void Expired_entries_are_dropped()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryReplayStore(clock);
        for (var i = 0; i < 100; i++)
        {
            store.TryRegister("flow", $"msg-{i}", $"req-{i}", Window);
        }

        clock.Advance(Window);
        store.EvictExpired();

        store.Count.Should().Be(0);
    }

    [Test]
    public void Memory_is_bounded_by_dropping_the_oldest_entries()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryReplayStore(clock, capacity: 10);
        for (var i = 0; i < 25; i++)
        {
            store.TryRegister("flow", $"msg-{i}", $"req-{i}", Window);
            clock.Advance(TimeSpan.FromMilliseconds(1));
        }

        store.Count.Should().Be(10);
        store.TryRegister("flow", "msg-24", "again", Window).IsFirst.Should().BeFalse("the newest entries are kept");
        store.TryRegister("flow", "msg-0", "again", Window).IsFirst.Should().BeTrue("the oldest entries were dropped");
    }

    [Test]
    public void An_entry_with_a_short_window_expires_even_behind_one_with_a_longer_window()
    {
        var clock = new FakeTimeProvider();
        var store = new InMemoryReplayStore(clock);
        store.TryRegister("flow", "long", "req-1", TimeSpan.FromHours(1));
        store.TryRegister("flow", "short", "req-2", TimeSpan.FromSeconds(10));
        clock.Advance(TimeSpan.FromSeconds(10));

        store.TryRegister("flow", "short", "req-3", Window).Should().Be(new ReplayRegistration(true, "req-3"));
        store.TryRegister("flow", "long", "req-4", Window).Should().Be(new ReplayRegistration(false, "req-1"));
    }

    [Test]
    public void The_window_for_a_tolerance_covers_both_directions_of_the_clock_skew()
    {
        IWebhookAuthenticator.ReplayWindowFor(TimeSpan.FromSeconds(300)).Should().Be(TimeSpan.FromSeconds(600));
    }
}
