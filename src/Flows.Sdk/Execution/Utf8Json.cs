using System.Buffers;
using System.Text;
using Flows.Sdk.Hooks;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Execution;

/// <summary>Trees to compact UTF-8 JSON and back, the way the message body and the in-memory run log keep them.</summary>
internal static class Utf8Json
{
    private static readonly UTF8Encoding Utf8NoBom = new(false);
    private static readonly JsonLoadSettings LoadSettings = new() { CommentHandling = CommentHandling.Ignore };

    /// <summary>The token's compact JSON as UTF-8, in an exact-size array.</summary>
    public static byte[] From(JToken token)
    {
        using var stream = new MemoryStream();
        using (var text = new StreamWriter(stream, Utf8NoBom, 1024, leaveOpen: true))
        using (var json = new JsonTextWriter(text) { Formatting = Formatting.None, ArrayPool = JsonCharPool.Shared })
        {
            token.WriteTo(json);
        }

        return stream.ToArray();
    }

    /// <summary>A new tree from UTF-8 JSON (dates stay strings, floats are doubles).</summary>
    public static JToken Parse(ReadOnlyMemory<byte> utf8, int maxDepth = MessageBody.DefaultMaxDepth)
    {
        using var reader = new JsonTextReader(new Utf8SequenceReader(new ReadOnlySequence<byte>(utf8)))
        {
            ArrayPool = JsonCharPool.Shared,
            DateParseHandling = DateParseHandling.None,
            FloatParseHandling = FloatParseHandling.Double,
            MaxDepth = maxDepth,
        };
        return JToken.ReadFrom(reader, LoadSettings);
    }
}
