using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>
/// An action of a component: its name, title, input and output metadata (JSON Schema) and the class that implements it.
/// </summary>
public sealed record ActionDescriptor
{
    /// <summary>Describes an action implemented by <paramref name="implementation"/>.</summary>
    /// <param name="name">The action's function name (for example <c>createPetWithPromise</c>).</param>
    /// <param name="title">The action's title, for a person.</param>
    /// <param name="implementation">A class implementing <see cref="IFlowAction"/> or <see cref="IStreamingFlowAction"/>.</param>
    /// <exception cref="ArgumentException"><paramref name="implementation"/> implements neither interface, or is abstract.</exception>
    public ActionDescriptor(string name, string title, Type implementation)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(title);
        ArgumentNullException.ThrowIfNull(implementation);
        if (implementation.IsAbstract ||
            !(typeof(IFlowAction).IsAssignableFrom(implementation) || typeof(IStreamingFlowAction).IsAssignableFrom(implementation)))
        {
            throw new ArgumentException(
                $"Action '{name}': {implementation.FullName} must be a concrete class implementing {nameof(IFlowAction)} or {nameof(IStreamingFlowAction)}.",
                nameof(implementation));
        }

        Name = name;
        Title = title;
        Implementation = implementation;
    }

    /// <summary>Describes an action implemented by <typeparamref name="TAction"/>.</summary>
    public static ActionDescriptor For<TAction>(string name, string title)
        where TAction : class => new(name, title, typeof(TAction));

    /// <summary>The action's function name.</summary>
    public string Name { get; }

    /// <summary>The action's title.</summary>
    public string Title { get; }

    /// <summary>A longer description, or <see langword="null"/>.</summary>
    public string? Description { get; init; }

    /// <summary>The class that implements the action; created per execution from the host's services.</summary>
    public Type Implementation { get; }

    /// <summary>The JSON Schema of the action's input: its <c>properties</c> and <c>required</c> fields drive mapping and validation.</summary>
    public JObject? InMetadata { get; init; }

    /// <summary>The JSON Schema of the action's output, or <see langword="null"/>.</summary>
    public JObject? OutMetadata { get; init; }

    /// <summary>The names of the input fields the action requires (the <c>required</c> list of <see cref="InMetadata"/>).</summary>
    public IReadOnlyList<string> RequiredInputs => RequiredOf(InMetadata);

    /// <summary>The <c>required</c> list of a JSON Schema, or an empty list.</summary>
    internal static IReadOnlyList<string> RequiredOf(JObject? schema) =>
        schema?["required"] is JArray required ? required.Select(static r => r.ToString()).ToArray() : [];
}
