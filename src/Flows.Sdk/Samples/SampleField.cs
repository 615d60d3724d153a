namespace Flows.Sdk.Samples;

/// <summary>One field a mapping can read, as listed for a mapping UI.</summary>
/// <param name="Path">A JSONata path to the field (see <see cref="SchemaFields"/> for the syntax).</param>
/// <param name="Type">The JSON Schema type, several joined with <c>|</c> (such as <c>string|null</c>), or <c>any</c>.</param>
/// <param name="Title">The schema's title for the field, when it has one.</param>
public sealed record SampleField(string Path, string Type, string? Title);
