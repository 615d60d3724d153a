using System.Buffers;
using System.Text;
using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Samples;

public class XmlJsonConverterTests
{
    private static JObject Convert(string xml, int maxDepth = 64) => XmlJsonConverter.Convert(new StringReader(xml), maxDepth);

    [Test]
    public void The_root_element_is_the_top_level_key_and_text_only_elements_are_strings()
    {
        Convert("<pet><name>Rex</name><status>available</status></pet>")
            .ShouldBeJson("""{"pet": {"name": "Rex", "status": "available"}}""");
    }

    [Test]
    public void Attributes_become_at_properties_before_the_children()
    {
        Convert("""<pet id="7" kind="dog"><name>Rex</name></pet>""")
            .ShouldBeJson("""{"pet": {"@id": "7", "@kind": "dog", "name": "Rex"}}""");
    }

    [Test]
    public void Text_beside_attributes_becomes_text_property()
    {
        Convert("""<pet><name lang="en">Rex</name></pet>""")
            .ShouldBeJson("""{"pet": {"name": {"@lang": "en", "#text": "Rex"}}}""");
    }

    [Test]
    public void Repeated_elements_become_an_array_at_the_place_of_the_first()
    {
        Convert("<pet><tag>a</tag><name>Rex</name><tag>b</tag><tag>c</tag></pet>")
            .ShouldBeJson("""{"pet": {"tag": ["a", "b", "c"], "name": "Rex"}}""");
    }

    [Test]
    public void A_single_element_stays_a_value_not_an_array()
    {
        Convert("<pets><pet><name>Rex</name></pet></pets>")
            .ShouldBeJson("""{"pets": {"pet": {"name": "Rex"}}}""");
    }

    [Test]
    public void Namespace_declarations_are_attributes_and_prefixed_names_are_kept()
    {
        Convert("""<p:pet xmlns:p="urn:pets" xmlns="urn:default"><p:name>Rex</p:name><age>3</age></p:pet>""")
            .ShouldBeJson("""{"p:pet": {"@xmlns:p": "urn:pets", "@xmlns": "urn:default", "p:name": "Rex", "age": "3"}}""");
    }

    [Test]
    public void Prefixed_attributes_keep_their_prefix()
    {
        Convert("""<pet xmlns:x="urn:x" x:id="7"/>""")
            .ShouldBeJson("""{"pet": {"@xmlns:x": "urn:x", "@x:id": "7"}}""");
    }

    [Test]
    public void Cdata_becomes_a_cdata_section_property()
    {
        Convert("<pet><note><![CDATA[<b>good</b> dog]]></note></pet>")
            .ShouldBeJson("""{"pet": {"note": {"#cdata-section": "<b>good</b> dog"}}}""");
    }

    [Test]
    public void Mixed_content_keeps_text_pieces_in_a_text_array()
    {
        Convert("<p>Hello <b>world</b>, and <i>you</i>!</p>")
            .ShouldBeJson("""{"p": {"#text": ["Hello ", ", and ", "!"], "b": "world", "i": "you"}}""");
    }

    [Test]
    public void A_self_closing_element_is_null_and_an_element_with_an_empty_body_is_an_empty_string()
    {
        Convert("<pet><a/><b></b><c>  </c></pet>")
            .ShouldBeJson("""{"pet": {"a": null, "b": "", "c": ""}}""");
    }

    [Test]
    public void An_empty_element_with_attributes_is_an_object_of_its_attributes()
    {
        Convert("""<pet id="1"/>""").ShouldBeJson("""{"pet": {"@id": "1"}}""");
    }

    [Test]
    public void Entities_and_character_references_are_decoded()
    {
        Convert("<pet><name>Rex &amp; Co &#169; &lt;3</name></pet>")
            .ShouldBeJson("""{"pet": {"name": "Rex & Co © <3"}}""");
    }

    [Test]
    public void Declaration_comments_processing_instructions_and_whitespace_do_not_change_the_shape()
    {
        var plain = Convert("<pet><name>Rex</name></pet>");
        var decorated = Convert("<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<!-- a pet -->\n<?app hint?>\n<pet>\n  <!-- the name -->\n  <name>Rex</name>\n</pet>\n");

        decorated.ShouldBeJson(plain.ToString());
    }

    [Test]
    public void Every_value_is_a_string()
    {
        Convert("<pet><age>3</age><good>true</good></pet>")
            .ShouldBeJson("""{"pet": {"age": "3", "good": "true"}}""");
    }

    [Test]
    public void A_stream_is_read_with_the_encoding_it_declares()
    {
        var bytes = Encoding.Latin1.GetBytes("<?xml version=\"1.0\" encoding=\"ISO-8859-1\"?><pet><name>Ren\u00e9</name></pet>");

        XmlJsonConverter.Convert(new MemoryStream(bytes), 64).ShouldBeJson("""{"pet": {"name": "René"}}""");
    }

    [Test]
    public void A_stream_is_not_closed()
    {
        var stream = new MemoryStream(Encoding.UTF8.GetBytes("<pet/>"));

        XmlJsonConverter.Convert(stream, 64);

        stream.CanRead.Should().BeTrue();
    }

    [Test]
    public void A_segmented_sequence_gives_the_same_result_as_the_text()
    {
        const string xml = "<pet id=\"7\"><name>Rex</name><tag>a</tag><tag>b</tag></pet>";
        var bytes = Encoding.UTF8.GetBytes(xml);
        var sequence = Segments(bytes, 5);

        XmlJsonConverter.Convert(sequence, 64).ShouldBeJson(Convert(xml).ToString());
    }

    [Test]
    public void A_sequence_stream_reads_across_segments()
    {
        var bytes = Enumerable.Range(0, 100).Select(i => (byte)i).ToArray();
        using var stream = new ReadOnlySequenceStream(Segments(bytes, 7));
        var copy = new MemoryStream();

        stream.CopyTo(copy, 13);

        copy.ToArray().Should().Equal(bytes);
        stream.Position.Should().Be(100);
    }

    [Test]
    public void Depth_is_counted_in_elements_with_the_root_as_one()
    {
        Convert("<a><b><c>x</c></b></a>", maxDepth: 3).ShouldBeJson("""{"a": {"b": {"c": "x"}}}""");

        var act = () => Convert("<a><b><c><d/></c></b></a>", maxDepth: 3);

        var error = act.Should().Throw<SampleFormatException>().Which;
        error.Message.Should().Be("The XML is nested more than 3 levels deep at line 1, position 11.");
        error.Format.Should().Be("xml");
    }

    [Test]
    public void The_hook_gets_a_sample_format_exception_for_a_malformed_body()
    {
        var act = () => XmlJsonConverter.Convert(new MemoryStream(Encoding.UTF8.GetBytes("<pet><name>Rex</pet>")), 64);

        act.Should().Throw<SampleFormatException>().Which.LineNumber.Should().Be(1);
    }

    [TestCase("<pet id=\"7\" xmlns:x=\"urn:x\"><x:name lang=\"en\">Rex</x:name><tag>a</tag><tag>b</tag><e/><f></f></pet>")]
    [TestCase("<?xml version=\"1.0\"?>\n<p>Hello <b>world</b>, <![CDATA[<raw>]]>!</p>")]
    public async Task The_async_conversion_gives_the_same_result_as_the_sync_one(string xml)
    {
        using var stream = new AsyncOnlyStream(Encoding.UTF8.GetBytes(xml));

        var result = await XmlJsonConverter.ConvertAsync(stream, 64);

        result.ShouldBeJson(Convert(xml).ToString());
    }

    [Test]
    public async Task The_async_conversion_refuses_a_dtd_with_its_position()
    {
        using var stream = new AsyncOnlyStream(Encoding.UTF8.GetBytes("<?xml version=\"1.0\"?>\n<!DOCTYPE a [<!ENTITY x \"y\">]><a>&x;</a>"));

        var act = () => XmlJsonConverter.ConvertAsync(stream, 64);

        var error = (await act.Should().ThrowAsync<SampleFormatException>()).Which;
        error.Message.Should().StartWith("The XML declares a document type (DTD) at line 2, position 1.");
    }

    [Test]
    public async Task The_async_conversion_refuses_deep_nesting()
    {
        using var stream = new AsyncOnlyStream(Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("<a>", 100_000))));

        var act = () => XmlJsonConverter.ConvertAsync(stream, 64);

        (await act.Should().ThrowAsync<SampleFormatException>()).Which.Message.Should().Contain("nested more than 64 levels");
    }

    [Test]
    public async Task The_async_conversion_stops_when_canceled()
    {
        using var stream = new AsyncOnlyStream(Encoding.UTF8.GetBytes("<pet><name>Rex</name></pet>"));

        var act = () => XmlJsonConverter.ConvertAsync(stream, 64, new CancellationToken(canceled: true));

        await act.Should().ThrowAsync<OperationCanceledException>();
    }

    /// <summary>A stream like an ASP.NET Core request body that refuses synchronous reads; it reads 3 bytes at a time.</summary>
    private sealed class AsyncOnlyStream(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        public override int Read(byte[] buffer, int offset, int count) => throw new InvalidOperationException("Synchronous reads are not allowed.");

        public override int Read(Span<byte> buffer) => throw new InvalidOperationException("Synchronous reads are not allowed.");

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            await Task.Yield();
            return _inner.Read(buffer.Span[..Math.Min(buffer.Length, 3)]);
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    private static ReadOnlySequence<byte> Segments(byte[] bytes, int size)
    {
        Segment? first = null;
        Segment? last = null;
        for (var i = 0; i < bytes.Length; i += size)
        {
            var memory = new ReadOnlyMemory<byte>(bytes, i, Math.Min(size, bytes.Length - i));
            if (last is null)
            {
                first = last = new Segment(memory, 0);
            }
            else
            {
                last = last.Append(memory);
            }
        }

        return new ReadOnlySequence<byte>(first!, 0, last!, last!.Memory.Length);
    }

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
}
