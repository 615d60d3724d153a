using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>
/// An action written as a plain asynchronous method: the returned value is emitted as the step's data;
/// <see langword="null"/> emits nothing (use <see cref="ActionContext.EmitAsync"/> to emit explicitly). Throwing fails the step.
/// </summary>
public interface IFlowAction
{
    /// <summary>Processes one message.</summary>
    /// <param name="context">The mapped input, configuration, credential, logger and cancellation of this step.</param>
    ValueTask<JToken?> ExecuteAsync(ActionContext context);
}

/// <summary>
/// An action written as an asynchronous stream: each yielded value is emitted as data and goes on to the next step on its own.
/// Throwing fails the step.
/// </summary>
public interface IStreamingFlowAction
{
    /// <summary>Processes one message, yielding what it emits.</summary>
    /// <param name="context">The mapped input, configuration, credential, logger and cancellation of this step.</param>
    IAsyncEnumerable<JToken> ExecuteAsync(ActionContext context);
}
