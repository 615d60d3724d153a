using System.Buffers;
using System.Xml;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Samples;

/// <summary>
/// Converts an XML document to JSON. XML samples and XML request bodies both go through this one class, so a live
/// payload and its sample always have the same shape.
/// </summary>
/// <remarks>
/// <para>The convention is Newtonsoft.Json's XML-to-JSON convention:</para>
/// <list type="bullet">
/// <item>the result is an object whose only property is the root element;</item>
/// <item>attributes become <c>@name</c> properties, namespace declarations included (<c>@xmlns</c>, <c>@xmlns:x</c>); prefixed names keep their prefix (<c>x:pet</c>);</item>
/// <item>an element with only text and no attributes becomes a string; otherwise its text becomes <c>#text</c> and CDATA <c>#cdata-section</c>;</item>
/// <item>child elements with the same name become an array, at the place of the first; repeated text (mixed content) becomes a <c>#text</c> array;</item>
/// <item>an empty element (<c>&lt;a/&gt;</c>) becomes <c>null</c>, an element with an empty body (<c>&lt;a&gt;&lt;/a&gt;</c>) an empty string;</item>
/// <item>every value is a string: XML has no numbers or booleans.</item>
/// </list>
/// <para>Unlike Newtonsoft.Json, the XML declaration, comments, processing instructions and whitespace-only text are
/// dropped, so whether a payload has them does not change its shape.</para>
/// <para>Security: DTDs are prohibited and no resolver is set, so no entity is expanded and nothing is fetched
/// (XXE, billion laughs). The reading is iterative and the element depth is bounded.</para>
/// </remarks>
internal static class XmlJsonConverter
{
    /// <summary>Converts the XML text read from <paramref name="input"/>.</summary>
    /// <exception cref="SampleFormatException">The XML is malformed, has a DTD, or is nested deeper than <paramref name="maxDepth"/>.</exception>
    public static JObject Convert(TextReader input, int maxDepth)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var reader = XmlReader.Create(input, CreateSettings());
        return Convert(reader, maxDepth);
    }

    /// <summary>
    /// Converts the XML bytes read synchronously from <paramref name="input"/>; the encoding comes from the byte order
    /// mark or the XML declaration, UTF-8 by default. The stream is read once, in order, and is not closed; errors
    /// reading the stream itself propagate unchanged. For a request body use <see cref="ConvertAsync(Stream, int, CancellationToken)"/>, or buffer it in
    /// the <c>PipeReader</c> and use the <see cref="ReadOnlySequence{T}"/> overload.
    /// </summary>
    /// <exception cref="SampleFormatException">The XML is malformed, has a DTD, or is nested deeper than <paramref name="maxDepth"/>.</exception>
    public static JObject Convert(Stream input, int maxDepth)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var reader = XmlReader.Create(input, CreateSettings());
        return Convert(reader, maxDepth);
    }

    /// <summary>
    /// Converts XML bytes already buffered (for example the <c>ReadResult.Buffer</c> of a <c>PipeReader</c> read to
    /// completion, the same bytes an HMAC was computed over) without copying them.
    /// </summary>
    /// <exception cref="SampleFormatException">The XML is malformed, has a DTD, or is nested deeper than <paramref name="maxDepth"/>.</exception>
    public static JObject Convert(ReadOnlySequence<byte> input, int maxDepth)
    {
        using var stream = new ReadOnlySequenceStream(input);
        return Convert(stream, maxDepth);
    }

    /// <summary>
    /// Converts the XML bytes read asynchronously from <paramref name="input"/>, for a stream that must not be read
    /// synchronously (such as an ASP.NET Core request body). The stream is read once, in order, and is not closed.
    /// </summary>
    /// <exception cref="SampleFormatException">The XML is malformed, has a DTD, or is nested deeper than <paramref name="maxDepth"/>.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was canceled between two nodes.</exception>
    public static async Task<JObject> ConvertAsync(Stream input, int maxDepth, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(input);
        var settings = CreateSettings();
        settings.Async = true;
        using var reader = XmlReader.Create(input, settings);
        return await ConvertAsync(reader, maxDepth, cancellationToken).ConfigureAwait(false);
    }

    // A new settings object per call: XmlReaderSettings is mutable, and we keep no shared mutable state.
    private static XmlReaderSettings CreateSettings() => new()
    {
        DtdProcessing = DtdProcessing.Prohibit,
        XmlResolver = null,
        IgnoreComments = true,
        IgnoreProcessingInstructions = true,
        CloseInput = false,
        ConformanceLevel = ConformanceLevel.Document,
        MaxCharactersFromEntities = 1024,
    };

    private static JObject Convert(XmlReader reader, int maxDepth)
    {
        var builder = new Builder(reader, maxDepth);
        try
        {
            while (reader.Read())
            {
                builder.Accept(builder.NeedsValue ? reader.Value : null);
            }
        }
        catch (XmlException ex)
        {
            throw builder.Malformed(ex);
        }

        return builder.Result;
    }

    private static async Task<JObject> ConvertAsync(XmlReader reader, int maxDepth, CancellationToken cancellationToken)
    {
        var builder = new Builder(reader, maxDepth);
        try
        {
            cancellationToken.ThrowIfCancellationRequested();
            while (await reader.ReadAsync().ConfigureAwait(false))
            {
                cancellationToken.ThrowIfCancellationRequested();
                builder.Accept(builder.NeedsValue ? await reader.GetValueAsync().ConfigureAwait(false) : null);
            }
        }
        catch (XmlException ex)
        {
            throw builder.Malformed(ex);
        }

        return builder.Result;
    }

    private static SampleFormatException Malformed(XmlException ex, (int Line, int? Position) prologEnd)
    {
        int? line = ex.LineNumber > 0 ? ex.LineNumber : null;
        int? position = line is null ? null : ex.LinePosition;

        // XmlReader reports a prohibited DTD as a plain XmlException; its message names the DTD in every language.
        if (ex.Message.Contains("DTD", StringComparison.Ordinal))
        {
            line ??= prologEnd.Line;
            position ??= prologEnd.Position;
            var where = position is null ? $" after line {line}" : SampleLimits.At(line, position);
            return new SampleFormatException(
                SampleFormats.Xml,
                $"The XML declares a document type (DTD){where}. DTDs are not allowed: they can expand entities without bound or read other files, so nothing in them is processed.",
                line,
                position,
                innerException: ex);
        }

        return new SampleFormatException(SampleFormats.Xml, $"The XML is not well-formed: {ex.Message}", line, position, innerException: ex);
    }

    private static (int Line, int? Position) AfterPrologNode(XmlReader reader, IXmlLineInfo? info, string? value)
    {
        if (info is null || !info.HasLineInfo())
        {
            return (1, null);
        }

        if (reader.NodeType != XmlNodeType.Whitespace)
        {
            return (info.LineNumber, null);
        }

        var (line, position) = (info.LineNumber, info.LinePosition);
        foreach (var c in value ?? string.Empty)
        {
            if (c == '\n')
            {
                line++;
                position = 1;
            }
            else
            {
                position++;
            }
        }

        return (line, position);
    }

    private static int? Line(IXmlLineInfo? info) => info is not null && info.HasLineInfo() ? info.LineNumber : null;

    private static int? Position(IXmlLineInfo? info) => info is not null && info.HasLineInfo() ? info.LinePosition : null;

    /// <summary>Builds the JSON from the nodes of one reader, in document order; the reader is driven by the caller.</summary>
    private sealed class Builder(XmlReader reader, int maxDepth)
    {
        private readonly IXmlLineInfo? _lineInfo = reader as IXmlLineInfo;
        private readonly Stack<Element> _open = new();
        private readonly int _maxDepth = maxDepth >= 1 ? maxDepth : throw new ArgumentOutOfRangeException(nameof(maxDepth), maxDepth, "The depth limit must be at least 1.");
        private JObject? _result;

        // Where the document's prolog has reached: XmlReader gives no position for a prohibited DTD, and a DTD can
        // only appear in the prolog, after the declaration and whitespace.
        private (int Line, int? Position) _prologEnd = (1, 1);

        private bool InProlog => _open.Count == 0 && _result is null;

        /// <summary>Whether <see cref="Accept"/> needs the current node's value (read synchronously or asynchronously by the caller).</summary>
        public bool NeedsValue => reader.NodeType switch
        {
            XmlNodeType.Text or XmlNodeType.CDATA => true,
            XmlNodeType.Whitespace => InProlog,
            _ => false,
        };

        public JObject Result =>
            _result ?? throw new SampleFormatException(SampleFormats.Xml, "The XML has no root element.");

        public void Accept(string? value)
        {
            if (InProlog)
            {
                _prologEnd = AfterPrologNode(reader, _lineInfo, value);
            }

            switch (reader.NodeType)
            {
                case XmlNodeType.Element:
                    if (_open.Count + 1 > _maxDepth)
                    {
                        throw SampleLimits.TooDeep(SampleFormats.Xml, _maxDepth, Line(_lineInfo), Position(_lineInfo));
                    }

                    var element = new Element(reader.Name, reader.IsEmptyElement);
                    if (reader.MoveToFirstAttribute())
                    {
                        do
                        {
                            element.AddAttribute("@" + reader.Name, reader.Value);
                        }
                        while (reader.MoveToNextAttribute());
                        reader.MoveToElement();
                    }

                    if (element.IsEmpty)
                    {
                        Complete(element);
                    }
                    else
                    {
                        _open.Push(element);
                    }

                    break;
                case XmlNodeType.EndElement:
                    Complete(_open.Pop());
                    break;
                case XmlNodeType.Text:
                    _open.Peek().AddChild("#text", new JValue(value), isText: true);
                    break;
                case XmlNodeType.CDATA:
                    _open.Peek().AddChild("#cdata-section", new JValue(value), isText: false);
                    break;
                default:
                    // Whitespace, declaration, comments and processing instructions do not change the shape.
                    break;
            }
        }

        public SampleFormatException Malformed(XmlException ex) => XmlJsonConverter.Malformed(ex, _prologEnd);

        private void Complete(Element element)
        {
            var value = element.ToJson();
            if (_open.Count == 0)
            {
                _result = new JObject { [element.Name] = value };
            }
            else
            {
                _open.Peek().AddChild(element.Name, value, isText: false);
            }
        }
    }

    /// <summary>An element being read: its attributes and its children in document order.</summary>
    private sealed class Element(string name, bool isEmpty)
    {
        private List<KeyValuePair<string, string>>? _attributes;
        private List<(string Key, JToken Value, bool IsText)>? _children;

        public string Name { get; } = name;

        public bool IsEmpty { get; } = isEmpty;

        public void AddAttribute(string key, string value) => (_attributes ??= []).Add(new(key, value));

        public void AddChild(string key, JToken value, bool isText) => (_children ??= []).Add((key, value, isText));

        public JToken ToJson()
        {
            if (_attributes is null)
            {
                if (_children is null)
                {
                    return IsEmpty ? JValue.CreateNull() : new JValue(string.Empty);
                }

                if (_children.Count == 1 && _children[0].IsText)
                {
                    return _children[0].Value;
                }
            }

            var obj = new JObject();
            if (_attributes is not null)
            {
                foreach (var attribute in _attributes)
                {
                    obj.Add(attribute.Key, new JValue(attribute.Value));
                }
            }

            if (_children is not null)
            {
                // Same-named children are grouped into one array, placed where the first of them was.
                var groups = new Dictionary<string, List<JToken>>(StringComparer.Ordinal);
                var order = new List<string>();
                foreach (var (key, value, _) in _children)
                {
                    if (!groups.TryGetValue(key, out var group))
                    {
                        group = [];
                        groups.Add(key, group);
                        order.Add(key);
                    }

                    group.Add(value);
                }

                foreach (var key in order)
                {
                    var group = groups[key];
                    obj.Add(key, group.Count == 1 ? group[0] : new JArray(group));
                }
            }

            return obj;
        }
    }
}
