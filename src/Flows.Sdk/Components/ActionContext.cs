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

    /// <summary>Emits <paramref name="data"/>: it goes on to the next step as a message of its own.</summary>
    public abstract ValueTask EmitAsync(JToken data);
}
