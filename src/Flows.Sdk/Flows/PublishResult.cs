namespace Flows.Sdk.Flows;

/// <summary>A published version and the warnings found on the way (for example a mapping that gives nothing on the sample).</summary>
/// <param name="Version">The version made.</param>
/// <param name="Warnings">Things that may be wrong but do not stop the flow from running.</param>
public sealed record PublishResult(FlowVersion Version, IReadOnlyList<FlowValidationError> Warnings);
