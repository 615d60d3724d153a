using System.Buffers;
using System.Text.Json;
using System.Text.Unicode;

namespace Flows.Sdk.Execution;

/// <summary>
/// Checks that UTF-8 bytes are exactly one well-formed JSON object within a nesting limit, with <see cref="Utf8JsonReader"/>:
/// nothing is built and nothing is allocated unless the bytes are refused. The message names line and position.
/// </summary>
internal static class Utf8JsonObject
{
    /// <summary>Returns why <paramref name="utf8"/> is not one JSON object, or <see langword="null"/> when it is.</summary>
    /// <param name="utf8">The bytes, without a byte order mark.</param>
    /// <param name="maxDepth">The deepest nesting accepted (an object inside the outer object is depth 2).</param>
    /// <param name="what">Names the document in the message ("The body").</param>
    public static string? Validate(ReadOnlySpan<byte> utf8, int maxDepth, string what) => Validate(utf8, maxDepth, what, out _, out _);

    /// <summary>
    /// As <see cref="Validate(ReadOnlySpan{byte}, int, string)"/>; <paramref name="end"/> is where the object ends, and
    /// <paramref name="hasComments"/> tells whether comments (accepted, as the hook always did) are in or after it.
    /// </summary>
    public static string? Validate(ReadOnlySpan<byte> utf8, int maxDepth, string what, out int end, out bool hasComments)
    {
        end = 0;
        hasComments = false;
        if (!Utf8.IsValid(utf8))
        {
            return $"{what} is not valid UTF-8.";
        }

        // The reader's own limit is one above ours so that the deepest refusal is ours, with our words.
        var reader = new Utf8JsonReader(utf8, new JsonReaderOptions { MaxDepth = maxDepth + 1, CommentHandling = JsonCommentHandling.Allow });
        try
        {
            bool read;
            while ((read = reader.Read()) && reader.TokenType == JsonTokenType.Comment)
            {
                hasComments = true;
            }

            if (!read)
            {
                return $"{what} is not valid JSON: it is empty.";
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                return $"{what} must be a JSON object, but it is {Describe(reader.TokenType)}.";
            }

            while (reader.Read())
            {
                if (reader.TokenType == JsonTokenType.Comment)
                {
                    hasComments = true;
                    continue;
                }

                if (reader.CurrentDepth >= maxDepth && reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                {
                    var (line, position) = Position(utf8, reader.TokenStartIndex);
                    return $"{what} is nested deeper than {maxDepth} levels (line {line}, position {position}).";
                }

                if (reader.CurrentDepth == 0 && reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }
            }

            var consumed = (int)reader.BytesConsumed;
            end = consumed;
            var rest = utf8[consumed..];
            var offset = SkipWhitespaceAndComments(rest, ref hasComments);
            if (offset < rest.Length)
            {
                var (line, position) = Position(utf8, consumed + offset);
                return $"{what} is not valid JSON: unexpected content after the JSON value at line {line}, position {position}.";
            }

            return null;
        }
        catch (JsonException e)
        {
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            if (cut > 0)
            {
                reason = reason[..cut];
            }

            return $"{what} is not valid JSON: {reason.TrimEnd('.', ' ')} at line {(e.LineNumber ?? 0) + 1}, position {e.BytePositionInLine ?? 0}.";
        }
    }

    /// <summary>The 1-based line and the number of bytes before <paramref name="index"/> on its line (the position the messages give).</summary>
    private static (long Line, long Position) Position(ReadOnlySpan<byte> utf8, long index)
    {
        var before = utf8[..(int)index];
        var line = before.Count((byte)'\n') + 1;
        var lastNewLine = before.LastIndexOf((byte)'\n');
        return (line, index - (lastNewLine + 1));
    }

    private static int SkipWhitespaceAndComments(ReadOnlySpan<byte> rest, ref bool hasComments)
    {
        var i = 0;
        while (i < rest.Length)
        {
            var b = rest[i];
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
            {
                i++;
            }
            else if (b == '/' && i + 1 < rest.Length && rest[i + 1] == '/')
            {
                hasComments = true;
                var end = rest[i..].IndexOf((byte)'\n');
                i = end < 0 ? rest.Length : i + end + 1;
            }
            else if (b == '/' && i + 1 < rest.Length && rest[i + 1] == '*')
            {
                var end = rest[(i + 2)..].IndexOf("*/"u8);
                if (end < 0)
                {
                    return i;
                }

                hasComments = true;
                i += end + 4;
            }
            else
            {
                return i;
            }
        }

        return i;
    }

    private static string Describe(JsonTokenType type) => type switch
    {
        JsonTokenType.StartArray => "an array",
        JsonTokenType.Number => "a number",
        JsonTokenType.String => "a string",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        _ => type.ToString().ToLowerInvariant(),
    };

    /// <summary>Copies a sequence into one exact-size array, without a leading UTF-8 byte order mark.</summary>
    public static byte[] CopyWithoutBom(ReadOnlySequence<byte> buffer)
    {
        if (buffer.Length >= 3)
        {
            Span<byte> head = stackalloc byte[3];
            buffer.Slice(0, 3).CopyTo(head);
            if (head.SequenceEqual("\uFEFF"u8))
            {
                buffer = buffer.Slice(3);
            }
        }

        return buffer.ToArray();
    }
}
