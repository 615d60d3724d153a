namespace Flows.Sdk.Flows;

/// <summary>One reason a draft cannot be saved or published.</summary>
/// <param name="StepId">The step the error is about, or <see langword="null"/> for the flow as a whole.</param>
/// <param name="Field">The field the error is about (for example <c>mapping.name</c>), or <see langword="null"/>.</param>
/// <param name="Message">What is wrong, for a person.</param>
public sealed record FlowValidationError(string? StepId, string? Field, string Message)
{
    /// <inheritdoc />
    public override string ToString() => (StepId, Field) switch
    {
        (null, null) => Message,
        (null, _) => $"{Field}: {Message}",
        (_, null) => $"Step '{StepId}': {Message}",
        _ => $"Step '{StepId}', {Field}: {Message}",
    };
}
