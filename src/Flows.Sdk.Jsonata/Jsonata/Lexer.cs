using System.Globalization;
using System.Text;

namespace Flows.Sdk.Mapping.Jsonata;

internal enum TokenKind
{
    End,
    Operator,
    String,
    Number,
    Value,
    Name,
    Variable,
    Regex,
}

internal readonly struct Token
{
    public Token(TokenKind kind, string text, object? value, int position)
    {
        Kind = kind;
        Text = text;
        Value = value;
        Position = position;
    }

    public TokenKind Kind { get; }

    /// <summary>Operator symbol, name, variable name or literal text.</summary>
    public string Text { get; }

    /// <summary>Literal value: string, double, bool, JNull, or regex info.</summary>
    public object? Value { get; }

    /// <summary>Position just after the token (as the reference reports).</summary>
    public int Position { get; }
}

internal sealed class Lexer
{
    private static readonly string[] TwoCharOps = ["..", ":=", "!=", ">=", "<=", "**", "~>", "?:", "??"];
    private const string SingleOps = ".[]{}(),@#;:?+-*/%|=<>^&!~";

    private readonly string _src;
    private int _pos;

    public Lexer(string src) => _src = src;

    public Token Next(bool infix)
    {
        var s = _src;
        while (true)
        {
            while (_pos < s.Length && IsWs(s[_pos]))
            {
                _pos++;
            }

            if (_pos + 1 < s.Length && s[_pos] == '/' && s[_pos + 1] == '*')
            {
                var start = _pos;
                var end = s.IndexOf("*/", _pos + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    _pos = s.Length;
                    throw new MappingException("S0106", "Comment has no closing tag", start);
                }

                _pos = end + 2;
                continue;
            }

            break;
        }

        if (_pos >= s.Length)
        {
            return new Token(TokenKind.End, "(end)", null, _pos);
        }

        var c = s[_pos];
        if (!infix && c == '/')
        {
            return ScanRegex();
        }

        if (_pos + 1 < s.Length)
        {
            var two = s.AsSpan(_pos, 2);
            foreach (var op in TwoCharOps)
            {
                if (two.SequenceEqual(op))
                {
                    _pos += 2;
                    return new Token(TokenKind.Operator, op, null, _pos);
                }
            }
        }

        if (c == '!')
        {
            _pos++;
            throw new MappingException("S0204", "Unknown operator: !", _pos, "!");
        }

        if (SingleOps.IndexOf(c, StringComparison.Ordinal) >= 0)
        {
            _pos++;
            return new Token(TokenKind.Operator, c.ToString(), null, _pos);
        }

        if (c == '"' || c == '\'')
        {
            return ScanString(c);
        }

        if (c >= '0' && c <= '9')
        {
            var start = _pos;
            var p = _pos;
            if (s[p] == '0')
            {
                p++;
            }
            else
            {
                while (p < s.Length && char.IsAsciiDigit(s[p]))
                {
                    p++;
                }
            }

            if (p + 1 < s.Length && s[p] == '.' && char.IsAsciiDigit(s[p + 1]))
            {
                p++;
                while (p < s.Length && char.IsAsciiDigit(s[p]))
                {
                    p++;
                }
            }

            if (p < s.Length && (s[p] == 'e' || s[p] == 'E'))
            {
                var q = p + 1;
                if (q < s.Length && (s[q] == '+' || s[q] == '-'))
                {
                    q++;
                }

                if (q < s.Length && char.IsAsciiDigit(s[q]))
                {
                    while (q < s.Length && char.IsAsciiDigit(s[q]))
                    {
                        q++;
                    }

                    p = q;
                }
            }

            var text = s.Substring(start, p - start);
            var d = double.Parse(text, NumberStyles.Float, CultureInfo.InvariantCulture);
            _pos = p;
            if (double.IsInfinity(d) || double.IsNaN(d))
            {
                throw new MappingException("S0102", "Number out of range: " + text, _pos, text);
            }

            return new Token(TokenKind.Number, text, d, _pos);
        }

        if (c == '`')
        {
            var end = s.IndexOf('`', _pos + 1);
            if (end < 0)
            {
                _pos = s.Length;
                throw new MappingException("S0105", "Quoted property name must be terminated with a backquote (`)", _pos);
            }

            var name = s.Substring(_pos + 1, end - _pos - 1);
            _pos = end + 1;
            return new Token(TokenKind.Name, name, null, _pos);
        }

        {
            var start = _pos;
            var p = _pos;
            while (p < s.Length && !IsDelimiter(s[p]))
            {
                p++;
            }

            var word = s.Substring(start, p - start);
            _pos = p;
            if (word.Length > 0 && word[0] == '$')
            {
                return new Token(TokenKind.Variable, word.Substring(1), null, _pos);
            }

            switch (word)
            {
                case "and":
                case "or":
                case "in":
                    return new Token(TokenKind.Operator, word, null, _pos);
                case "true":
                    return new Token(TokenKind.Value, word, Values.True, _pos);
                case "false":
                    return new Token(TokenKind.Value, word, Values.False, _pos);
                case "null":
                    return new Token(TokenKind.Value, word, JNull.Instance, _pos);
            }

            if (word.Length == 0)
            {
                _pos++;
                throw new MappingException("S0204", "Unknown operator: " + s[start], start, s[start].ToString());
            }

            return new Token(TokenKind.Name, word, null, _pos);
        }
    }

    /// <summary>Reads a raw function signature after the opening '&lt;' just lexed.</summary>
    public string ReadSignature()
    {
        var s = _src;
        var start = _pos;
        var depth = 1;
        while (_pos < s.Length)
        {
            var c = s[_pos++];
            if (c == '<')
            {
                depth++;
            }
            else if (c == '>')
            {
                depth--;
                if (depth == 0)
                {
                    return "<" + s.Substring(start, _pos - start);
                }
            }
        }

        throw new MappingException("S0203", "Expected > before end of expression", _pos);
    }

    private static bool IsWs(char c) => c is ' ' or '\t' or '\n' or '\r' or '\v' or '\f' || char.IsWhiteSpace(c);

    private static bool IsDelimiter(char c) =>
        IsWs(c) || SingleOps.IndexOf(c, StringComparison.Ordinal) >= 0 || c is '"' or '\'' or '`';

    private Token ScanString(char quote)
    {
        var s = _src;
        var start = _pos;
        _pos++;
        var sb = new StringBuilder();
        while (_pos < s.Length)
        {
            var c = s[_pos];
            if (c == '\\')
            {
                _pos++;
                if (_pos >= s.Length)
                {
                    break;
                }

                c = s[_pos];
                switch (c)
                {
                    case '"': sb.Append('"'); break;
                    case '\\': sb.Append('\\'); break;
                    case '/': sb.Append('/'); break;
                    case 'b': sb.Append('\b'); break;
                    case 'f': sb.Append('\f'); break;
                    case 'n': sb.Append('\n'); break;
                    case 'r': sb.Append('\r'); break;
                    case 't': sb.Append('\t'); break;
                    case 'u':
                        if (_pos + 4 < s.Length && int.TryParse(s.AsSpan(_pos + 1, 4), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var code))
                        {
                            sb.Append((char)code);
                            _pos += 4;
                        }
                        else
                        {
                            throw new MappingException("S0104", "The escape sequence \\u must be followed by 4 hex digits", _pos);
                        }

                        break;
                    default:
                        throw new MappingException("S0103", "Unsupported escape sequence: \\" + c, _pos, c.ToString());
                }

                _pos++;
            }
            else if (c == quote)
            {
                _pos++;
                return new Token(TokenKind.String, s.Substring(start, _pos - start), sb.ToString(), _pos);
            }
            else
            {
                sb.Append(c);
                _pos++;
            }
        }

        throw new MappingException("S0101", "String literal must be terminated by a matching quote", _pos);
    }

    private Token ScanRegex()
    {
        var s = _src;
        var start = _pos;
        var p = _pos + 1;
        var depth = 0;
        while (p < s.Length)
        {
            var c = s[p];
            if (c == '/' && depth == 0 && s[p - 1] != '\\')
            {
                var pattern = s.Substring(start + 1, p - start - 1);
                if (pattern.Length == 0)
                {
                    throw new MappingException("S0301", "Empty regular expressions are not allowed", p);
                }

                p++;
                var fstart = p;
                while (p < s.Length && (s[p] is 'i' or 'm' or 'g' or 's' or 'x' or 'y'))
                {
                    p++;
                }

                var flags = s.Substring(fstart, p - fstart);
                _pos = p;
                return new Token(TokenKind.Regex, pattern, flags, _pos);
            }

            if ((c == '(' || c == '[' || c == '{') && s[p - 1] != '\\')
            {
                depth++;
            }

            if ((c == ')' || c == ']' || c == '}') && s[p - 1] != '\\')
            {
                depth--;
            }

            p++;
        }

        throw new MappingException("S0302", "No terminating / in regular expression", p);
    }
}
