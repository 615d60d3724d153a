using System.Buffers;
using System.Text;
using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>
/// A JSON object held as its UTF-8 bytes: the body of a <see cref="QueuedMessage"/>. Immutable; it is parsed into a tree only
/// where a tree is needed (<see cref="ToObject"/>), and written into other JSON as it is (<see cref="WriteTo(Utf8JsonWriter)"/>).
/// </summary>
public sealed class MessageBody : IEquatable<MessageBody>
{
    /// <summary>The nesting limit <see cref="FromUtf8"/> and <see cref="ToObject"/> apply when none is given.</summary>
    public const int DefaultMaxDepth = 256;

    private MessageBody(ReadOnlyMemory<byte> utf8) => Utf8 = utf8;

    /// <summary>The empty object, <c>{}</c>.</summary>
    public static MessageBody Empty { get; } = new("{}"u8.ToArray());

    /// <summary>The object's UTF-8 JSON text: one well-formed object, nothing before or after it but whitespace.</summary>
    public ReadOnlyMemory<byte> Utf8 { get; }

    /// <summary>How many bytes <see cref="Utf8"/> holds.</summary>
    public int Length => Utf8.Length;

    /// <summary>Takes a copy of <paramref name="utf8"/>, which must be exactly one JSON object (UTF-8, well-formed, comments not allowed).</summary>
    /// <param name="utf8">The JSON text.</param>
    /// <param name="maxDepth">The deepest nesting accepted.</param>
    /// <exception cref="FormatException">The bytes are not one JSON object; the message says what is wrong and where.</exception>
    public static MessageBody FromUtf8(ReadOnlySpan<byte> utf8, int maxDepth = DefaultMaxDepth)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDepth, 1);
        if (Utf8JsonObject.Validate(utf8, maxDepth, "The message body", out _, out var hasComments) is { } error)
        {
            throw new FormatException(error);
        }

        return hasComments ? FromObject(Parse(utf8.ToArray(), maxDepth)) : new MessageBody(utf8.ToArray());
    }

    /// <summary>The object's JSON, as compact UTF-8 (dates stay as they are in the tree).</summary>
    public static MessageBody FromObject(JObject value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return new MessageBody(Utf8Json.From(value));
    }

    /// <summary>Wraps bytes already known to be one JSON object, without copying them: the caller gives them up.</summary>
    internal static MessageBody Own(ReadOnlyMemory<byte> utf8) => new(utf8);

    /// <summary>Parses the bytes into a new tree (dates stay strings, floats are doubles); each call returns a fresh object.</summary>
    public JObject ToObject() => Parse(Utf8, DefaultMaxDepth);

    /// <summary>Writes the object into <paramref name="writer"/> as it is, as the next value.</summary>
    public void WriteTo(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(Utf8.Span, skipInputValidation: true);
    }

    /// <summary>Writes the object into a Newtonsoft <paramref name="writer"/> as it is, as the next value.</summary>
    public void WriteTo(JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteRawValue(ToString());
    }

    /// <summary>The JSON text.</summary>
    public override string ToString() => Encoding.UTF8.GetString(Utf8.Span);

    /// <summary>Whether both hold the same bytes.</summary>
    public bool Equals(MessageBody? other) => other is not null && Utf8.Span.SequenceEqual(other.Utf8.Span);

    /// <inheritdoc/>
    public override bool Equals(object? obj) => Equals(obj as MessageBody);

    /// <inheritdoc/>
    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.AddBytes(Utf8.Span);
        return hash.ToHashCode();
    }

    private static JObject Parse(ReadOnlyMemory<byte> utf8, int maxDepth) => (JObject)Utf8Json.Parse(utf8, maxDepth);
}
