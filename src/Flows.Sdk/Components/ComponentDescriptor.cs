namespace Flows.Sdk.Components;

/// <summary>
/// Describes a component, as a <c>component.json</c> would: its id and title, the fields of its credentials,
/// its triggers and its actions with their input and output metadata.
/// </summary>
public sealed class ComponentDescriptor
{
    /// <summary>The component's id, used by flow steps (for example <c>petstore</c>). Letters, digits, <c>-</c> and <c>_</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The component's title, for a person.</summary>
    public required string Title { get; init; }

    /// <summary>A longer description, or <see langword="null"/>.</summary>
    public string? Description { get; init; }

    /// <summary>The fields of the component's credentials.</summary>
    public IReadOnlyList<CredentialFieldDescriptor> CredentialFields { get; init; } = [];

    /// <summary>The component's triggers.</summary>
    public IReadOnlyList<TriggerDescriptor> Triggers { get; init; } = [];

    /// <summary>The component's actions.</summary>
    public IReadOnlyList<ActionDescriptor> Actions { get; init; } = [];

    /// <summary>Finds an action by name, or returns <see langword="null"/>.</summary>
    public ActionDescriptor? FindAction(string name)
    {
        foreach (var action in Actions)
        {
            if (string.Equals(action.Name, name, StringComparison.Ordinal))
            {
                return action;
            }
        }

        return null;
    }

    /// <summary>Finds a trigger by name, or returns <see langword="null"/>.</summary>
    public TriggerDescriptor? FindTrigger(string name)
    {
        foreach (var trigger in Triggers)
        {
            if (string.Equals(trigger.Name, name, StringComparison.Ordinal))
            {
                return trigger;
            }
        }

        return null;
    }
}
