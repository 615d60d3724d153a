using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>A trigger of a component: the first step of a flow, which brings messages in.</summary>
/// <param name="Name">The trigger's function name (for example <c>receive</c>).</param>
/// <param name="Title">The trigger's title, for a person.</param>
public sealed record TriggerDescriptor(string Name, string Title)
{
    /// <summary>A longer description, or <see langword="null"/>.</summary>
    public string? Description { get; init; }

    /// <summary>The JSON Schema of the messages the trigger emits, or <see langword="null"/> when it depends on a sample.</summary>
    public JObject? OutMetadata { get; init; }
}
