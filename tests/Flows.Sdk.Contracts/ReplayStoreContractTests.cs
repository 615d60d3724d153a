using Flows.Sdk.Hooks;
using Microsoft.Extensions.Time.Testing;

namespace Flows.Sdk.Contracts;

/// <summary>
/// What every <see cref="IReplayStore"/> must do (its documented guarantees). A new store (PostgreSQL, ...) gets a subclass
/// that creates it and must pass all of these unchanged.
/// </summary>
[CancelAfter(10_000)]
public abstract class ReplayStoreContractTests
{
    protected static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);
    protected static readonly TimeSpan Window = TimeSpan.FromMinutes(10);

    protected FakeTimeProvider Time { get; private set; } = null!;

    protected IReplayStore Store { get; private set; } = null!;

    /// <summary>Makes a fresh, empty store for one test.</summary>
    protected abstract ValueTask<IReplayStore> CreateStoreAsync(TimeProvider time);

    /// <summary>Waits until the store's registrations so far are as they will stay (a durable store: committed).</summary>
    protected virtual Task SettleAsync() => Task.CompletedTask;

    protected virtual ValueTask DisposeStoreAsync() => default;

    [SetUp]
    public async Task CreateStoreForTest()
    {
        Time = new FakeTimeProvider(T0);
        Store = await CreateStoreAsync(Time);
    }

    [TearDown]
    public async Task DisposeStore() => await DisposeStoreAsync();

    [Test]
    public async Task A_first_delivery_is_registered_with_its_own_request_id()
    {
        var registration = await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);

        registration.Should().Be(new ReplayRegistration(true, "req-1"));
    }

    [Test]
    public async Task A_replay_within_the_window_gives_the_first_request_id()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);
        Time.Advance(Window - TimeSpan.FromSeconds(1));

        var replay = await Store.TryRegisterAsync("flow-1", "msg-1", "req-2", Window);

        replay.Should().Be(new ReplayRegistration(false, "req-1"));
    }

    [Test]
    public async Task A_replay_after_the_registration_settled_is_still_recognised()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);
        await SettleAsync();

        (await Store.TryRegisterAsync("flow-1", "msg-1", "req-2", Window)).Should().Be(new ReplayRegistration(false, "req-1"));
    }

    [Test]
    public async Task A_delivery_after_the_window_is_a_first_delivery_again()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);
        await SettleAsync();
        Time.Advance(Window);

        var again = await Store.TryRegisterAsync("flow-1", "msg-1", "req-2", Window);
        await SettleAsync();

        again.Should().Be(new ReplayRegistration(true, "req-2"));
        (await Store.TryRegisterAsync("flow-1", "msg-1", "req-3", Window)).Should().Be(new ReplayRegistration(false, "req-2"),
            "the new registration has its own window");
    }

    [Test]
    public async Task Each_registration_keeps_its_own_window()
    {
        await Store.TryRegisterAsync("flow-1", "short", "req-1", TimeSpan.FromSeconds(30));
        await Store.TryRegisterAsync("flow-1", "long", "req-2", TimeSpan.FromHours(1));
        await SettleAsync();
        Time.Advance(TimeSpan.FromMinutes(1));

        (await Store.TryRegisterAsync("flow-1", "short", "req-3", Window)).IsFirst.Should().BeTrue();
        (await Store.TryRegisterAsync("flow-1", "long", "req-4", Window)).Should().Be(new ReplayRegistration(false, "req-2"));
    }

    [Test]
    public async Task The_same_message_id_sent_to_another_flow_is_another_message()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);

        (await Store.TryRegisterAsync("flow-2", "msg-1", "req-2", Window)).Should().Be(new ReplayRegistration(true, "req-2"));
    }

    [Test]
    public async Task A_forgotten_registration_lets_the_next_delivery_through()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);

        await Store.ForgetAsync("flow-1", "msg-1", "req-1");

        (await Store.TryRegisterAsync("flow-1", "msg-1", "req-2", Window)).Should().Be(new ReplayRegistration(true, "req-2"));
    }

    [Test]
    public async Task A_settled_registration_can_be_forgotten_too()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);
        await SettleAsync();

        await Store.ForgetAsync("flow-1", "msg-1", "req-1");
        await SettleAsync();

        (await Store.TryRegisterAsync("flow-1", "msg-1", "req-2", Window)).Should().Be(new ReplayRegistration(true, "req-2"));
    }

    [Test]
    public async Task Forgetting_with_another_request_id_leaves_the_registration_alone()
    {
        await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", Window);

        await Store.ForgetAsync("flow-1", "msg-1", "req-other");
        await SettleAsync();

        (await Store.TryRegisterAsync("flow-1", "msg-1", "req-2", Window)).Should().Be(new ReplayRegistration(false, "req-1"));
    }

    [Test]
    public async Task Forgetting_an_id_never_registered_is_harmless()
    {
        var act = async () => await Store.ForgetAsync("flow-1", "never", "req-1");

        await act.Should().NotThrowAsync();
        (await Store.TryRegisterAsync("flow-1", "never", "req-2", Window)).IsFirst.Should().BeTrue();
    }

    [Test]
    public async Task Concurrent_registrations_of_one_id_let_exactly_one_through_and_the_others_name_it()
    {
        var registrations = await Task.WhenAll(Enumerable.Range(0, 64).Select(i =>
            Task.Run(async () => await Store.TryRegisterAsync("flow-1", "msg-1", $"req-{i}", Window))));

        var first = registrations.Should().ContainSingle(r => r.IsFirst).Which;
        registrations.Should().OnlyContain(r => r.FirstRequestId == first.FirstRequestId);
    }

    [Test]
    public async Task A_window_that_is_not_positive_is_refused()
    {
        var act = async () => await Store.TryRegisterAsync("flow-1", "msg-1", "req-1", TimeSpan.Zero);

        await act.Should().ThrowAsync<ArgumentOutOfRangeException>();
    }
}
