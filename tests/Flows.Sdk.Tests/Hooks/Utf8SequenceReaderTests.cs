using System.Buffers;
using System.Text;
using Flows.Sdk.Hooks;
using Flows.Sdk.Tests.Support;

namespace Flows.Sdk.Tests.Hooks;

public sealed class Utf8SequenceReaderTests
{
    [TestCase(1)]
    [TestCase(2)]
    [TestCase(3)]
    [TestCase(7)]
    [TestCase(4096)]
    public void Text_split_anywhere_across_segments_reads_back_whole(int segmentSize)
    {
        var text = "{\"name\": \"Grömit 🐶 – ünïcödé\", \"n\": 1}" + new string('x', 100) + "€";
        var bytes = Encoding.UTF8.GetPreamble().Concat(Encoding.UTF8.GetBytes(text)).ToArray();

        using var reader = new Utf8SequenceReader(Sequences.Split(bytes, segmentSize));

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
