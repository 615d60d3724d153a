using System.Collections.Concurrent;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Hooks;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Hooks;

/// <summary>The engine over its hook-side ports: the receiver uses the registered ones, the flow manager announces on the feed, caches follow it.</summary>
[CancelAfter(20_000)]
public sealed class HookPortsTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(24);

    /// <summary>A replay store that records what the hook asks of it (and keeps ids like the default one).</summary>
    private sealed class RecordingReplayStore(TimeProvider time) : IReplayStore
    {
        private readonly InMemoryReplayStore _inner = new(time);

        public ConcurrentQueue<(string MessageId, TimeSpan Window)> Registered { get; } = new();

        public ConcurrentQueue<(string MessageId, string RequestId)> Forgotten { get; } = new();

        public ValueTask<ReplayRegistration> TryRegisterAsync(string flowId, string messageId, string requestId, TimeSpan window, CancellationToken cancellationToken = default)
        {
            Registered.Enqueue((messageId, window));
            return _inner.TryRegisterAsync(flowId, messageId, requestId, window, cancellationToken);
        }

        public ValueTask ForgetAsync(string flowId, string messageId, string requestId, CancellationToken cancellationToken = default)
        {
            Forgotten.Enqueue((messageId, requestId));
            return _inner.ForgetAsync(flowId, messageId, requestId, cancellationToken);
        }
    }

    private static (ServiceProvider Services, FakeTimeProvider Time) Build(Action<IServiceCollection>? before = null, int queueCapacity = 16)
    {
        var services = new ServiceCollection();
        services.AddLogging();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 11, 30, 12, 0, 0, TimeSpan.Zero));
        services.AddSingleton<TimeProvider>(time);
        before?.Invoke(services);
        services.AddWebhookFlowsCore(o => o.QueueCapacity = queueCapacity);
        return (services.BuildServiceProvider(), time);
    }

    private static async Task<string> SignedFlowAsync(IServiceProvider services, int toleranceSeconds = 120)
    {
        var credential = await services.GetRequiredService<Sdk.Credentials.ICredentialManager>().CreateAsync("hook", "webhook", new JObject
        {
            ["type"] = "hmac", ["preset"] = "standard-webhooks", ["secret"] = "whsec_" + Convert.ToBase64String(Key), ["toleranceSeconds"] = toleranceSeconds,
        });
        var flows = services.GetRequiredService<IFlowManager>();
        var flow = await flows.CreateAsync(new FlowDraft("signed", [TestHost.Trigger(credential.Id)]));
        await flows.PublishAsync(flow.Id);
        return (await flows.StartAsync(flow.Id)).Id;
    }

    private static WebhookRequest Signed(string flowId, string messageId, DateTimeOffset now)
    {
        const string Body = """{"value": 1}""";
        var timestamp = now.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signature = "v1," + Convert.ToBase64String(HMACSHA256.HashData(Key, Encoding.UTF8.GetBytes($"{messageId}.{timestamp}.{Body}")));
        return TestHost.Request(flowId, body: Body, headers: new Dictionary<string, string>
        {
            ["webhook-id"] = messageId, ["webhook-timestamp"] = timestamp, ["webhook-signature"] = signature,
        });
    }

    [Test]
    public async Task The_hook_registers_a_signed_message_with_the_registered_replay_store_for_twice_the_tolerance()
    {
        var (services, time) = Build(s => s.AddSingleton<IReplayStore, RecordingReplayStore>());
        await using var _ = services;
        var flowId = await SignedFlowAsync(services, toleranceSeconds: 120);
        var receiver = services.GetRequiredService<IWebhookReceiver>();

        var first = await receiver.ReceiveAsync(Signed(flowId, "msg_1", time.GetUtcNow()));
        var replay = await receiver.ReceiveAsync(Signed(flowId, "msg_1", time.GetUtcNow()));

        var store = (RecordingReplayStore)services.GetRequiredService<IReplayStore>();
        store.Registered.Should().Equal(("msg_1", TimeSpan.FromSeconds(240)), ("msg_1", TimeSpan.FromSeconds(240)));
        first.StatusCode.Should().Be(200);
        replay.StatusCode.Should().Be(200);
        replay.Body!["requestId"]!.ToString().Should().Be(first.Body!["requestId"]!.ToString());
        replay.Headers.Should().NotContainKey(WebhookResponse.ExecutionIdHeader, "a replay is not queued again");
    }

    [Test]
    public async Task A_signed_message_refused_for_a_full_queue_is_forgotten_so_the_senders_retry_runs()
    {
        var (services, time) = Build(s => s.AddSingleton<IReplayStore, RecordingReplayStore>(), queueCapacity: 1);
        await using var _ = services;
        var flowId = await SignedFlowAsync(services);
        var receiver = services.GetRequiredService<IWebhookReceiver>();
        (await receiver.ReceiveAsync(Signed(flowId, "msg_0", time.GetUtcNow()))).StatusCode.Should().Be(200);

        var refused = await receiver.ReceiveAsync(Signed(flowId, "msg_1", time.GetUtcNow()));
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5)))
        {
            await services.GetRequiredService<IFlowQueue>().DequeueAsync(timeout.Token);
        }

        var retried = await receiver.ReceiveAsync(Signed(flowId, "msg_1", time.GetUtcNow()));

        refused.StatusCode.Should().Be(503);
        var store = (RecordingReplayStore)services.GetRequiredService<IReplayStore>();
        store.Forgotten.Should().ContainSingle().Which.MessageId.Should().Be("msg_1");
        retried.StatusCode.Should().Be(200);
        retried.Headers.Should().ContainKey(WebhookResponse.ExecutionIdHeader, "the retry is queued as a first delivery");
    }

    [Test]
    public async Task Publish_start_and_stop_are_announced_after_their_commit()
    {
        var (services, _) = Build();
        await using var __ = services;
        var flows = services.GetRequiredService<IFlowManager>();
        var store = services.GetRequiredService<Sdk.Storage.IFlowStore>();
        var seen = new List<(FlowStateChange Change, long StoredRevision)>();
        using var subscription = services.GetRequiredService<IFlowStateFeed>().Subscribe(change =>
            seen.Add((change, store.GetAsync(change.FlowId).AsTask().GetAwaiter().GetResult()!.Revision)));

        var flow = await flows.CreateAsync(new FlowDraft("announced", [TestHost.Trigger()]));
        await flows.PublishAsync(flow.Id);
        var started = await flows.StartAsync(flow.Id);
        await flows.PublishAsync(flow.Id);
        var stopped = await flows.StopAsync(flow.Id);

        seen.Select(s => (s.Change.Kind, s.Change.State, s.Change.LatestVersion, s.Change.LiveVersion)).Should().Equal(
            (FlowStateChangeKind.Published, FlowState.Stopped, 1, (int?)null),
            (FlowStateChangeKind.Started, FlowState.Running, 1, 1),
            (FlowStateChangeKind.Published, FlowState.Running, 2, 2),
            (FlowStateChangeKind.Stopped, FlowState.Stopped, 2, (int?)null));
        seen.Should().OnlyContain(s => s.Change.Revision == s.StoredRevision, "each change is announced once the store holds it");
        seen[1].Change.Revision.Should().Be(started.Revision);
        seen[3].Change.Revision.Should().Be(stopped.Revision);
    }

    [Test]
    public async Task Caches_follow_the_feed_a_stopped_flow_keeps_no_rate_limiter_and_only_its_live_and_latest_versions_stay_compiled()
    {
        var (services, _) = Build();
        await using var __ = services;
        var flows = services.GetRequiredService<IFlowManager>();
        var guards = services.GetRequiredService<HookGuards>();
        var compiled = services.GetRequiredService<CompiledFlowCache>();
        var receiver = services.GetRequiredService<IWebhookReceiver>();
        var trigger = TestHost.Trigger() with { Configuration = JObject.Parse("""{"rateLimit": {"permitLimit": 100, "windowSeconds": 60}}""") };
        var flow = await flows.CreateAsync(new FlowDraft("limited", [trigger]));
        await flows.PublishAsync(flow.Id);
        await flows.StartAsync(flow.Id);
        (await receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);
        await flows.PublishAsync(flow.Id);
        await flows.PublishAsync(flow.Id);
        guards.LimiterCount.Should().Be(0, "version 1 is not live any more: its limiter went with it");
        (await receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(200);
        guards.LimiterCount.Should().Be(1);
        compiled.Count.Should().Be(1, "versions 1 and 2 are neither live nor latest; version 3 is both");

        await flows.StopAsync(flow.Id);

        guards.LimiterCount.Should().Be(0);
        compiled.Count.Should().Be(1, "the latest version stays compiled for the next start");
        (await receiver.ReceiveAsync(TestHost.Request(flow.Id, body: "{}"))).StatusCode.Should().Be(404);
    }

    [Test]
    public void The_ports_are_registered_once_and_a_backend_registered_before_replaces_the_default()
    {
        var (services, _) = Build(s => s.AddSingleton<IReplayStore, RecordingReplayStore>());
        using var _ = services;

        services.GetRequiredService<IReplayStore>().Should().BeOfType<RecordingReplayStore>();
        services.GetRequiredService<IReplyChannel>().Should().BeOfType<InMemoryReplyChannel>();
        services.GetRequiredService<IFlowStateFeed>().Should().BeOfType<InMemoryFlowStateFeed>();
    }

    [Test]
    public void The_builder_swaps_each_port()
    {
        var services = new ServiceCollection();
        services.AddWebhookFlowsCore().UseReplayStore<RecordingReplayStore>().UseReplyChannel<FakeReplyChannel>().UseFlowStateFeed<FakeFeed>();

        services.Where(d => d.ServiceType == typeof(IReplayStore)).Should().ContainSingle().Which.ImplementationType.Should().Be<RecordingReplayStore>();
        services.Where(d => d.ServiceType == typeof(IReplyChannel)).Should().ContainSingle().Which.ImplementationType.Should().Be<FakeReplyChannel>();
        services.Where(d => d.ServiceType == typeof(IFlowStateFeed)).Should().ContainSingle().Which.ImplementationType.Should().Be<FakeFeed>();
    }

    private sealed class FakeReplyChannel : IReplyChannel
    {
        public ValueTask<IReplyWait> RegisterAsync(string executionId, CancellationToken cancellationToken = default) => throw new NotSupportedException();

        public ValueTask<bool> PublishAsync(string executionId, Sdk.Components.HttpReply reply, CancellationToken cancellationToken = default) => new(false);

        public ValueTask AbandonAsync(string executionId, string reason, CancellationToken cancellationToken = default) => default;
    }

    private sealed class FakeFeed : IFlowStateFeed
    {
        public ValueTask PublishAsync(FlowStateChange change, CancellationToken cancellationToken = default) => default;

        public IDisposable Subscribe(Action<FlowStateChange> subscriber) => new CancellationTokenSource();
    }
}
