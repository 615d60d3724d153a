using Microsoft.Extensions.Options;

namespace Flows.Sdk.Samples;

/// <summary>
/// Validates <see cref="SampleParseOptions"/> at start (source-generated from its attributes), so a bad limit in
/// configuration fails the host with a message naming the setting.
/// </summary>
[OptionsValidator]
internal sealed partial class SampleParseOptionsValidator : IValidateOptions<SampleParseOptions>
{
}
