using System.Globalization;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping;

/// <summary>
/// The smallest useful mapping language: field paths (<c>petname</c>, <c>pet.name</c>, <c>$steps.step_1.id</c>),
/// string literals in single or double quotes, and numbers. A subset of JSONata: each expression means the same in both.
/// </summary>
internal sealed class FieldPathMappingEngine : IMappingEngine
{
    public IMappingExpression Compile(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var text = expression.Trim();
        if (text.Length == 0)
        {
            throw new MappingException("S0201", "The expression is empty.", 0);
        }

        if (text[0] is '\'' or '"')
        {
            if (text.Length < 2 || text[^1] != text[0])
            {
                throw new MappingException("S0101", "String literal must be terminated by a matching quote.", expression.Length);
            }

            return new Literal(expression, new JValue(text[1..^1]));
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return new Literal(expression, number % 1 == 0 && Math.Abs(number) < 1e15 ? new JValue((long)number) : new JValue(number));
        }

        var segments = text.Split('.');
        for (var i = 0; i < segments.Length; i++)
        {
            var segment = segments[i];
            var start = i == 0 && segment.StartsWith('$') ? 1 : 0;
            if (segment.Length == start && !(i == 0 && segment == "$"))
            {
                throw new MappingException("S0206", $"Unexpected '.' or empty name in '{text}'.", Position(expression, i));
            }

            for (var c = start; c < segment.Length; c++)
            {
                if (!(char.IsLetterOrDigit(segment[c]) || segment[c] is '_' or '-'))
                {
                    throw new MappingException("S0204", $"Unexpected character '{segment[c]}' in '{text}'. Only field paths and literals are supported by this mapping engine.", Position(expression, i) + c, segment[c].ToString());
                }
            }
        }

        return new Path(expression, segments);
    }

    private static int Position(string expression, int segmentIndex)
    {
        var position = expression.Length - expression.TrimStart().Length;
        var text = expression.Trim();
        for (var i = 0; i < segmentIndex; i++)
        {
            position = text.IndexOf('.', position) + 1;
        }

        return position;
    }

    private sealed class Literal(string source, JToken value) : IMappingExpression
    {
        public string Source { get; } = source;

        public JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings = null, CancellationToken cancellationToken = default) =>
            value.DeepClone();
    }

    private sealed class Path(string source, string[] segments) : IMappingExpression
    {
        public string Source { get; } = source;

        public JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings = null, CancellationToken cancellationToken = default)
        {
            var current = input;
            var first = 0;
            if (segments[0].StartsWith('$'))
            {
                if (segments[0].Length > 1)
                {
                    current = bindings is not null && bindings.TryGetValue(segments[0][1..], out var bound) ? bound : null;
                }

                first = 1;
            }

            for (var i = first; i < segments.Length && current is not null; i++)
            {
                current = current is JObject obj ? obj[segments[i]] : null;
            }

            return current?.DeepClone();
        }
    }
}
