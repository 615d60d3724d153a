using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>A message going through a flow: what a step receives and emits.</summary>
/// <param name="Id">The message id; a redelivered message keeps its id.</param>
/// <param name="Body">The message body.</param>
public sealed record FlowMessage(string Id, JObject Body);
