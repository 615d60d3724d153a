using System.Buffers;
using System.Text;
using Newtonsoft.Json;

namespace Flows.Sdk.Hooks;

/// <summary>
/// A <see cref="TextReader"/> that decodes UTF-8 straight from the pipe's buffers into the parser's buffer: no stream, no
/// intermediate byte or char buffers. Invalid UTF-8 throws <see cref="DecoderFallbackException"/>.
/// </summary>
internal sealed class Utf8SequenceReader(ReadOnlySequence<byte> sequence) : TextReader
{
    private static readonly UTF8Encoding Strict = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);
    private readonly Decoder _decoder = Strict.GetDecoder();
    private ReadOnlySequence<byte> _remaining = SkipBom(sequence);

    public override int Peek() => throw new NotSupportedException();

    public override int Read() => throw new NotSupportedException();

    public override int Read(char[] buffer, int index, int count) => Read(buffer.AsSpan(index, count));

    public override int Read(Span<char> buffer)
    {
        // Each call decodes from one segment; a character split across segments is kept by the decoder.
        while (!_remaining.IsEmpty)
        {
            var segment = _remaining.FirstSpan;
            var bytes = Math.Min(segment.Length, buffer.Length);
            _decoder.Convert(segment[..bytes], buffer, flush: false, out var used, out var chars, out _);
            _remaining = _remaining.Slice(used);
            if (chars > 0)
            {
                return chars;
            }
        }

        _decoder.Convert(ReadOnlySpan<byte>.Empty, buffer, flush: true, out _, out var last, out _);
        return last;
    }

    private static ReadOnlySequence<byte> SkipBom(ReadOnlySequence<byte> sequence)
    {
        if (sequence.Length < 3)
        {
            return sequence;
        }

        Span<byte> head = stackalloc byte[3];
        sequence.Slice(0, 3).CopyTo(head);
        return head.SequenceEqual("\uFEFF"u8) ? sequence.Slice(3) : sequence;
    }
}

/// <summary>Lends Newtonsoft.Json's readers their char buffers from the shared pool.</summary>
internal sealed class JsonCharPool : IArrayPool<char>
{
    public static readonly JsonCharPool Shared = new();

    public char[] Rent(int minimumLength) => ArrayPool<char>.Shared.Rent(minimumLength);

    public void Return(char[]? array)
    {
        if (array is not null)
        {
            ArrayPool<char>.Shared.Return(array);
        }
    }
}
