using Flows.Sdk.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.Execution;

/// <summary>
/// The in-process queue: at most <see cref="WebhookFlowsOptions.QueueCapacity"/> ready messages, handed out round-robin across
/// flows, each delivery leased for <see cref="WebhookFlowsOptions.QueueLeaseDuration"/> (<see cref="LeasedFlowQueue"/>). A message
/// with <see cref="QueuedMessage.NotBefore"/> in the future waits on a <see cref="TimeProvider"/> timer and becomes ready when
/// due. Messages live only as long as the process.
/// </summary>
internal sealed class InMemoryFlowQueue(IOptions<WebhookFlowsOptions> options, TimeProvider time)
    : LeasedFlowQueue(options.Value.QueueCapacity, options.Value.QueueLeaseDuration, time)
{
    protected override ValueTask<long> KeepAsync(QueuedMessage message) => new(0L);

    protected override ValueTask<IReadOnlyList<long>> KeepAsync(IReadOnlyList<QueuedMessage> messages) =>
        new(new long[messages.Count]);
}
