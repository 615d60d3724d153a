using System.ComponentModel.DataAnnotations;

namespace Flows.Sdk.Samples;

/// <summary>
/// Limits that protect the parsers from samples that are too large or too deeply nested.
/// A plain options class: bound from configuration and validated at start; the parsers also refuse values below 1.
/// </summary>
public sealed class SampleParseOptions
{
    /// <summary>The default <see cref="MaxSampleSize"/>: 256 KiB, counted in characters.</summary>
    public const int DefaultMaxSampleSize = 256 * 1024;

    /// <summary>The default <see cref="MaxDepth"/>.</summary>
    public const int DefaultMaxDepth = 64;

    /// <summary>
    /// The longest sample accepted, in characters (UTF-16 code units, the <see cref="string.Length"/> of the text;
    /// for ASCII text this equals its size in UTF-8 bytes). The default is 262144 (256 KiB); at least 1.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxSampleSize { get; set; } = DefaultMaxSampleSize;

    /// <summary>
    /// The deepest nesting accepted. For JSON, each object or array counts one level and the top-level object is level 1;
    /// for XML, each element counts one level and the root element is level 1; for a property list, each dotted part
    /// counts one level. The default is 64; at least 1.
    /// </summary>
    [Range(1, int.MaxValue)]
    public int MaxDepth { get; set; } = DefaultMaxDepth;
}
