using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>A message accepted by a hook and waiting to run.</summary>
/// <param name="MessageId">The message's id, stable across redeliveries.</param>
/// <param name="RequestId">The id returned to the caller.</param>
/// <param name="FlowId">The flow to run.</param>
/// <param name="FlowVersion">The flow version that was live when the message was accepted.</param>
/// <param name="Body">The trigger's output: the payload plus <c>_query</c>, <c>_headers</c>, <c>_method</c>, <c>_url</c>, <c>_additionalUrlPath</c>.</param>
/// <param name="ReceivedAt">When the hook accepted it.</param>
public sealed record QueuedMessage(string MessageId, string RequestId, string FlowId, int FlowVersion, JObject Body, DateTimeOffset ReceivedAt);
