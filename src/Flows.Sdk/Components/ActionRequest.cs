using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>What a component gets when asked about one of its actions in a step: for a sample of its output, or for its metadata.</summary>
/// <param name="Action">The action.</param>
/// <param name="Configuration">The step's configuration.</param>
/// <param name="Credential">The fields of the step's credential (an empty object when it has none).</param>
/// <param name="Services">The host's services.</param>
public sealed record ActionRequest(ActionDescriptor Action, JObject Configuration, JObject Credential, IServiceProvider Services);

/// <summary>An action's metadata for one step, computed from the step's configuration.</summary>
/// <param name="InMetadata">The JSON Schema of the input, or <see langword="null"/> to keep the descriptor's.</param>
/// <param name="OutMetadata">The JSON Schema of the output, or <see langword="null"/> to keep the descriptor's.</param>
public sealed record ActionMetadata(JObject? InMetadata, JObject? OutMetadata);
