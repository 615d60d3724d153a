using System.Buffers;
using System.Text;
using Flows.Sdk.Hooks;

namespace Flows.Sdk.Tests.Hooks;

public sealed class Utf8SequenceReaderTests
{
    private sealed class Segment : ReadOnlySequenceSegment<byte>
    {
        public Segment(ReadOnlyMemory<byte> memory, long runningIndex)
        {
            Memory = memory;
            RunningIndex = runningIndex;
        }

        public Segment Append(ReadOnlyMemory<byte> memory)
        {
            var next = new Segment(memory, RunningIndex + Memory.Length);
            Next = next;
            return next;
        }
    }

    /// <summary>Splits the bytes into segments of <paramref name="size"/> bytes, cutting through multi-byte characters.</summary>
    private static ReadOnlySequence<byte> Split(byte[] bytes, int size)
    {
        var first = new Segment(bytes.AsMemory(0, Math.Min(size, bytes.Length)), 0);
        var last = first;
        for (var i = size; i < bytes.Length; i += size)
        {
            last = last.Append(bytes.AsMemory(i, Math.Min(size, bytes.Length - i)));
        }

        return new ReadOnlySequence<byte>(first, 0, last, last.Memory.Length);
    }

    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(4096)]
    public void Text_split_anywhere_across_segments_reads_back_whole(int segmentSize)
    {
        var text = "{\"name\": \"Grömit 🐶 – ünïcödé\", \"n\": 1}" + new string('x', 100) + "€";
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        using var reader = new Utf8SequenceReader(Split(bytes, segmentSize));

        reader.ReadToEnd().Should().Be(text);
    }

    [Test]
    public void Invalid_utf8_throws()
    {
        using var reader = new Utf8SequenceReader(new ReadOnlySequence<byte>([0x7B, 0xC3, 0x28, 0x7D]));

        var act = () => reader.ReadToEnd();

        act.Should().Throw<DecoderFallbackException>();
    }
}
