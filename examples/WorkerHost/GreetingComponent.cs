using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace WorkerHost;

/// <summary>A small custom component: its action greets whoever the mapping names.</summary>
internal sealed class GreetingComponent : IComponent
{
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = "greeting",
        Title = "Greeting",
        Actions =
        [
            ActionDescriptor.For<GreetAction>("greet", "Greet someone") with
            {
                InMetadata = JObject.Parse("""{"type": "object", "properties": {"name": {"type": "string"}}, "required": ["name"]}"""),
                OutMetadata = JObject.Parse("""{"type": "object", "properties": {"greeting": {"type": "string"}}}"""),
            },
        ],
    };
}

internal sealed class GreetAction : IFlowAction
{
    public ValueTask<JToken?> ExecuteAsync(ActionContext context) =>
        new(new JObject { ["greeting"] = $"Hello, {(string?)context.Input["name"]}!" });
}
