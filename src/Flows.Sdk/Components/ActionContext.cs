using Flows.Sdk.Execution;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>What an action gets to process one message.</summary>
public abstract class ActionContext
{
    /// <summary>The step's input: its mapping applied to the incoming data, checked against the action's input metadata.</summary>
    public abstract JObject Input { get; }

    /// <summary>The incoming message: the previous step's output.</summary>
    public abstract FlowMessage Message { get; }

    /// <summary>The step's configuration (an empty object when it has none).</summary>
    public abstract JObject Configuration { get; }

    /// <summary>The fields of the step's credential, secrets included, or an empty object when the step has none.</summary>
    public abstract JObject Credential { get; }

    /// <summary>A logger for the step.</summary>
    public abstract ILogger Logger { get; }

    /// <summary>The id of the flow that runs.</summary>
    public abstract string FlowId { get; }

    /// <summary>The id of the step that runs.</summary>
    public abstract string StepId { get; }

    /// <summary>The id of the execution (run log entry).</summary>
    public abstract string ExecutionId { get; }

    /// <summary>Cancelled when the host stops or the execution is abandoned.</summary>
    public abstract CancellationToken CancellationToken { get; }

    /// <summary>The snapshot this step saved with an earlier message, or <see langword="null"/>.</summary>
    public abstract JObject? Snapshot { get; }

    /// <summary>The attempt number of this step for this message: 1, then more after rebounds, retries and transient failures.</summary>
    public abstract int Attempt { get; }

    /// <summary>Emits <paramref name="data"/>: it goes on to the next step as a message of its own.</summary>
    public abstract ValueTask EmitAsync(JToken data);

    /// <summary>Saves <paramref name="snapshot"/>: the step gets it back as <see cref="Snapshot"/> with the next messages.</summary>
    public abstract ValueTask EmitSnapshotAsync(JObject snapshot);

    /// <summary>
    /// Asks for a rebound: the same message is run through this step again later (15 s, then doubling, at most 20 times by default;
    /// then the step fails with "Rebound limit exceeded"). Data emitted in the same run is discarded.
    /// </summary>
    public abstract ValueTask EmitReboundAsync(string reason);

    /// <summary>Fails the step with <paramref name="message"/> once the action returns (like throwing, without an exception).</summary>
    public abstract ValueTask EmitErrorAsync(string message);

    /// <summary>Sends <paramref name="reply"/> to the caller waiting at the hook (flows with a reply step make the hook wait).</summary>
    public abstract ValueTask EmitHttpReplyAsync(HttpReply reply);
}
