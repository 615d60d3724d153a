using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>What a component gets when asked for a sample of an action's output.</summary>
/// <param name="Action">The action.</param>
/// <param name="Configuration">The step's configuration.</param>
/// <param name="Credential">The fields of the step's credential (an empty object when it has none).</param>
/// <param name="Services">The host's services.</param>
public sealed record SampleRequest(ActionDescriptor Action, JObject Configuration, JObject Credential, IServiceProvider Services);
