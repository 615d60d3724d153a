namespace Flows.Sdk.Samples;

/// <summary>Limits that protect the parsers from samples that are too large or too deeply nested.</summary>
public sealed class SampleParseOptions
{
    /// <summary>The default <see cref="MaxSampleSize"/>: 256 KiB, counted in characters.</summary>
    public const int DefaultMaxSampleSize = 256 * 1024;

    /// <summary>The default <see cref="MaxDepth"/>.</summary>
    public const int DefaultMaxDepth = 64;

    private int _maxSampleSize = DefaultMaxSampleSize;
    private int _maxDepth = DefaultMaxDepth;

    /// <summary>
    /// The longest sample accepted, in characters (UTF-16 code units, the <see cref="string.Length"/> of the text;
    /// for ASCII text this equals its size in UTF-8 bytes). The default is 262144 (256 KiB).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxSampleSize
    {
        get => _maxSampleSize;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxSampleSize = value;
        }
    }

    /// <summary>
    /// The deepest nesting accepted. For JSON, each object or array counts one level and the top-level object is level 1;
    /// for XML, each element counts one level and the root element is level 1; for a property list, each dotted part
    /// counts one level. The default is 64.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">The value is less than 1.</exception>
    public int MaxDepth
    {
        get => _maxDepth;
        set
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(value, 1);
            _maxDepth = value;
        }
    }
}
