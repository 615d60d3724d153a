namespace Flows.Sdk.Flows;

/// <summary>A draft was refused: it cannot be saved or published as it is.</summary>
public sealed class FlowValidationException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    public FlowValidationException(IReadOnlyList<FlowValidationError> errors)
        : base(BuildMessage(errors)) => Errors = errors;

    /// <summary>Every error found, each naming its step and field.</summary>
    public IReadOnlyList<FlowValidationError> Errors { get; }

    private static string BuildMessage(IReadOnlyList<FlowValidationError> errors) =>
        errors.Count == 1 ? errors[0].ToString() : $"{errors.Count} problems: " + string.Join("; ", errors);
}
