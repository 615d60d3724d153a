using Flows.Sdk.Components;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>What an action sees of one attempt of its step, and what it emits during it.</summary>
internal sealed class StepActionContext(
    StepCall call,
    JObject input,
    JObject credential,
    JObject? snapshot,
    int attempt,
    ILogger logger,
    ISnapshotStore snapshots,
    IReplyChannel replies,
    CancellationToken cancellationToken)
    : ActionContext
{
    public List<JToken> Emitted { get; } = [];

    public string? ReboundReason { get; private set; }

    public string? ErrorMessage { get; private set; }

    public override JObject Input => input;

    public override FlowMessage Message { get; } = new(call.MessageId, call.Incoming);

    public override JObject Configuration => call.Step.Definition.Configuration ?? [];

    public override JObject Credential => credential;

    public override JObject? Snapshot => snapshot;

    public override int Attempt => attempt;

    public override ILogger Logger => logger;

    public override string FlowId => call.FlowId;

    public override string StepId => call.Step.Definition.Id;

    public override string ExecutionId => call.ExecutionId;

    public override CancellationToken CancellationToken => cancellationToken;

    public override ValueTask EmitAsync(JToken data)
    {
        ArgumentNullException.ThrowIfNull(data);
        Emitted.Add(data);
        return default;
    }

    public override async ValueTask EmitSnapshotAsync(JObject snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        await snapshots.SaveAsync(FlowId, StepId, snapshot, cancellationToken).ConfigureAwait(false);
    }

    public override ValueTask EmitReboundAsync(string reason)
    {
        ReboundReason = string.IsNullOrWhiteSpace(reason) ? "Rebound requested." : reason;
        return default;
    }

    public override ValueTask EmitErrorAsync(string message)
    {
        ErrorMessage ??= string.IsNullOrWhiteSpace(message) ? "The action emitted an error." : message;
        return default;
    }

    public override async ValueTask EmitHttpReplyAsync(HttpReply reply)
    {
        ArgumentNullException.ThrowIfNull(reply);
        await replies.PublishAsync(ExecutionId, reply, cancellationToken).ConfigureAwait(false);
    }
}
