using System.Runtime.CompilerServices;
using System.Text;
using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>Pratt parser producing the raw AST, followed by the path rewrite.</summary>
internal sealed class Parser
{
    private readonly Lexer _lexer;
    private readonly TimeSpan _regexTimeout;
    private Token _current;
    private int _depth;

    private Parser(string source, TimeSpan regexTimeout)
    {
        _lexer = new Lexer(source);
        _regexTimeout = regexTimeout;
    }

    public static Node Parse(string source, TimeSpan regexTimeout)
    {
        try
        {
            return ParseCore(source, regexTimeout);
        }
        catch (InsufficientExecutionStackException ex)
        {
            throw new MappingException("U1001", "Expression is nested too deeply", -1, null, ex);
        }
    }

    private static Node ParseCore(string source, TimeSpan regexTimeout)
    {
        var p = new Parser(source, regexTimeout);
        p.Advance(false);
        var raw = p.Expression(0);
        if (p._current.Kind != TokenKind.End)
        {
            throw new MappingException("S0201", "Syntax error: " + Describe(p._current), p._current.Position, p._current.Text);
        }

        var rw = new Rewriter();
        var result = rw.Process(raw);
        Rewriter.Finish(result);
        if (result.SeekingParent is { Count: > 0 } || result.Type == NodeType.Parent)
        {
            throw new MappingException("S0217", "The object representing the 'parent' cannot be derived from this expression", result.Position, "parent");
        }

        return result;
    }

    private static string Describe(Token t) => t.Kind == TokenKind.End ? "(end)" : t.Text;

    private bool IsOp(string op) => _current.Kind == TokenKind.Operator && _current.Text == op;

    private void Advance(bool infix) => _current = _lexer.Next(infix);

    private void Expect(string op, bool infix)
    {
        if (!IsOp(op))
        {
            if (_current.Kind == TokenKind.End)
            {
                throw new MappingException("S0203", "Expected " + op + " before end of expression", _current.Position, op);
            }

            throw new MappingException("S0202", "Expected " + op + ", got " + _current.Text, _current.Position, _current.Text);
        }

        Advance(infix);
    }

    private static int Lbp(Token t)
    {
        if (t.Kind != TokenKind.Operator)
        {
            return 0;
        }

        return t.Text switch
        {
            "." => 75,
            "[" => 80,
            "{" => 70,
            "(" => 80,
            "@" => 80,
            "#" => 80,
            "?" => 20,
            "+" or "-" => 50,
            "*" or "/" or "%" => 60,
            "=" or "<" or ">" or "^" or "!=" or "<=" or ">=" or "~>" or "?:" or "??" or "in" => 40,
            ":=" => 10,
            "and" => 30,
            "or" => 25,
            "&" => 50,
            _ => 0,
        };
    }

    private Node Expression(int rbp)
    {
        if (++_depth > 500 || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new MappingException("U1001", "Expression is nested too deeply", _current.Position);
        }

        var t = _current;
        Advance(true);
        var left = Nud(t);
        while (rbp < Lbp(_current))
        {
            t = _current;
            Advance(false);
            left = Led(t, left);
        }

        _depth--;
        return left;
    }

    private Node Nud(Token t)
    {
        switch (t.Kind)
        {
            case TokenKind.End:
                // as the reference: a missing operand is only reported (S0207) if the structure is otherwise complete
                return new Node(NodeType.End, t.Position);
            case TokenKind.Number:
            case TokenKind.String:
            case TokenKind.Value:
                return new Node(NodeType.Literal, t.Position) { Literal = t.Value, Value = t.Kind == TokenKind.String ? "string" : t.Text };
            case TokenKind.Name:
                return new Node(NodeType.Name, t.Position) { Value = t.Text };
            case TokenKind.Variable:
                return new Node(NodeType.Variable, t.Position) { Value = t.Text };
            case TokenKind.Regex:
                return new Node(NodeType.Regex, t.Position) { Value = t.Text, Regex = BuildRegex(t.Text, (string)t.Value!, t.Position) };
        }

        switch (t.Text)
        {
            case "and":
            case "or":
            case "in":
                return new Node(NodeType.Name, t.Position) { Value = t.Text };
            case "-":
                return new Node(NodeType.Negate, t.Position) { Lhs = Expression(70) };
            case "*":
                return new Node(NodeType.Wildcard, t.Position) { Value = "*" };
            case "**":
                return new Node(NodeType.Descendant, t.Position) { Value = "**" };
            case "%":
                return new Node(NodeType.Parent, t.Position) { Value = "%" };
            case "(":
                {
                    var items = new List<Node>();
                    if (!IsOp(")"))
                    {
                        while (true)
                        {
                            items.Add(Expression(0));
                            if (!IsOp(";"))
                            {
                                break;
                            }

                            Advance(false);
                            if (IsOp(")"))
                            {
                                break;
                            }
                        }
                    }

                    Expect(")", true);
                    return new Node(NodeType.Block, t.Position) { Items = items };
                }

            case "[":
                {
                    var items = new List<Node>();
                    if (!IsOp("]"))
                    {
                        while (true)
                        {
                            var item = Expression(0);
                            if (IsOp(".."))
                            {
                                var pos = _current.Position;
                                Advance(false);
                                item = new Node(NodeType.Range, pos) { Lhs = item, Rhs = Expression(0) };
                            }

                            items.Add(item);
                            if (!IsOp(","))
                            {
                                break;
                            }

                            Advance(false);
                        }
                    }

                    Expect("]", true);
                    return new Node(NodeType.ArrayCons, t.Position) { Items = items };
                }

            case "{":
                return new Node(NodeType.ObjectCons, t.Position) { Pairs = ParsePairs() };
            case "|":
                {
                    var n = new Node(NodeType.Transform, t.Position);
                    n.Pattern = Expression(0);
                    Expect("|", false);
                    n.Update = Expression(0);
                    if (IsOp(","))
                    {
                        Advance(false);
                        n.Delete = Expression(0);
                    }

                    Expect("|", true);
                    return n;
                }
        }

        throw new MappingException("S0211", "The symbol " + t.Text + " cannot be used as a unary operator", t.Position, t.Text);
    }

    private List<(Node, Node)> ParsePairs()
    {
        var pairs = new List<(Node, Node)>();
        if (!IsOp("}"))
        {
            while (true)
            {
                var k = Expression(0);
                Expect(":", false);
                var v = Expression(0);
                pairs.Add((k, v));
                if (!IsOp(","))
                {
                    break;
                }

                Advance(false);
            }
        }

        Expect("}", true);
        return pairs;
    }

    private Node Led(Token t, Node left)
    {
        var op = t.Text;
        switch (op)
        {
            case "[":
                if (IsOp("]"))
                {
                    var step = left;
                    while (step.Type == NodeType.Predicate)
                    {
                        step = step.Lhs!;
                    }

                    step.KeepArray = true;
                    Advance(true);
                    return left;
                }
                else
                {
                    var n = new Node(NodeType.Predicate, t.Position) { Lhs = left, Rhs = Expression(0) };
                    Expect("]", true);
                    return n;
                }

            case "{":
                return new Node(NodeType.GroupBy, t.Position) { Lhs = left, Pairs = ParsePairs() };
            case "(":
                return ParseCall(t, left);
            case "^":
                {
                    Expect("(", false);
                    var terms = new List<SortTerm>();
                    while (true)
                    {
                        var desc = false;
                        if (IsOp("<"))
                        {
                            Advance(false);
                        }
                        else if (IsOp(">"))
                        {
                            desc = true;
                            Advance(false);
                        }

                        terms.Add(new SortTerm { Descending = desc, Expression = Expression(0) });
                        if (!IsOp(","))
                        {
                            break;
                        }

                        Advance(false);
                    }

                    Expect(")", true);
                    return new Node(NodeType.SortOp, t.Position) { Lhs = left, Terms = terms };
                }

            case "?":
                {
                    var n = new Node(NodeType.Condition, t.Position) { Lhs = left, Then = Expression(0) };
                    if (IsOp(":"))
                    {
                        Advance(false);
                        n.Else = Expression(0);
                    }

                    return n;
                }

            case ":=":
                if (left.Type != NodeType.Variable)
                {
                    throw new MappingException("S0212", "The left side of := must be a variable name (start with $)", t.Position, left.Value);
                }

                return new Node(NodeType.Bind, t.Position) { Lhs = left, Rhs = Expression(9) };
            case "~>":
                return new Node(NodeType.Apply, t.Position) { Lhs = left, Rhs = Expression(40) };
            case "@":
            case "#":
                {
                    var rhs = Expression(80);
                    if (rhs.Type != NodeType.Variable)
                    {
                        throw new MappingException("S0214", "The right side of " + op + " must be a variable name (start with $)", rhs.Position, op);
                    }

                    return new Node(op == "@" ? NodeType.Focus : NodeType.IndexBind, t.Position) { Lhs = left, Value = rhs.Value };
                }

            default:
                {
                    var bp = Lbp(t);
                    if (bp == 0)
                    {
                        throw new MappingException("S0201", "Syntax error: " + op, t.Position, op);
                    }

                    return new Node(NodeType.Binary, t.Position) { Value = op, Lhs = left, Rhs = Expression(bp) };
                }
        }
    }

    private Node ParseCall(Token t, Node left)
    {
        if (left.Type == NodeType.Name && (left.Value == "function" || left.Value == "λ"))
        {
            var ps = new List<string>();
            if (!IsOp(")"))
            {
                while (true)
                {
                    if (_current.Kind != TokenKind.Variable)
                    {
                        throw new MappingException("S0208", "Parameter " + _current.Text + " of function definition must be a variable name (start with $)", _current.Position, _current.Text);
                    }

                    ps.Add(_current.Text);
                    Advance(false);
                    if (!IsOp(","))
                    {
                        break;
                    }

                    Advance(false);
                }
            }

            Expect(")", false);
            Signature? sig = null;
            if (IsOp("<"))
            {
                var text = _lexer.ReadSignature();
                sig = Signature.Parse(text, t.Position);
                Advance(false);
            }

            Expect("{", false);
            var body = Expression(0);
            Expect("}", true);
            return new Node(NodeType.Lambda, t.Position) { Params = ps, Signature = sig, Body = body };
        }

        var args = new List<Node>();
        var partial = false;
        if (!IsOp(")"))
        {
            while (true)
            {
                if (IsOp("?"))
                {
                    partial = true;
                    args.Add(new Node(NodeType.Placeholder, _current.Position));
                    Advance(false);
                }
                else
                {
                    args.Add(Expression(0));
                }

                if (!IsOp(","))
                {
                    break;
                }

                Advance(false);
            }
        }

        Expect(")", true);
        return new Node(partial ? NodeType.Partial : NodeType.Call, t.Position) { Procedure = left, Items = args };
    }

    private Regex BuildRegex(string pattern, string flags, int position)
    {
        var options = RegexOptions.CultureInvariant;
        if (flags.Contains('i', StringComparison.Ordinal))
        {
            options |= RegexOptions.IgnoreCase;
        }

        if (flags.Contains('m', StringComparison.Ordinal))
        {
            options |= RegexOptions.Multiline;
        }

        if (flags.Contains('s', StringComparison.Ordinal))
        {
            options |= RegexOptions.Singleline;
        }

        try
        {
            return new Regex(NumberNamedGroups(TranslatePattern(pattern, (options & RegexOptions.Multiline) != 0)), options, _regexTimeout);
        }
        catch (ArgumentException ex)
        {
            throw new MappingException("S0301", "Invalid regular expression: " + ex.Message, position, pattern, ex);
        }
    }

    /// <summary>
    /// JavaScript numbers named groups in order of appearance together with unnamed ones; .NET numbers named
    /// groups last. Named groups become plain groups (and named back references numbered ones) so that the
    /// match's group list keeps the JavaScript order.
    /// </summary>
    internal static string NumberNamedGroups(string pattern)
    {
        if (!pattern.Contains("(?<", StringComparison.Ordinal))
        {
            return pattern;
        }

        var names = new Dictionary<string, int>(StringComparer.Ordinal);
        var sb = new StringBuilder(pattern.Length);
        var inClass = false;
        var group = 0;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                if (!inClass && pattern[i + 1] == 'k' && i + 2 < pattern.Length && pattern[i + 2] == '<')
                {
                    var end = pattern.IndexOf('>', i + 3);
                    if (end > 0 && names.TryGetValue(pattern.Substring(i + 3, end - i - 3), out var num))
                    {
                        sb.Append("(?:\\").Append(num).Append(')');
                        i = end;
                        continue;
                    }
                }

                sb.Append(c).Append(pattern[i + 1]);
                i++;
                continue;
            }

            if (inClass)
            {
                inClass = c != ']';
                sb.Append(c);
                continue;
            }

            if (c == '[')
            {
                inClass = true;
            }
            else if (c == '(')
            {
                if (i + 1 < pattern.Length && pattern[i + 1] != '?')
                {
                    group++;
                }
                else if (i + 3 < pattern.Length && pattern[i + 1] == '?' && pattern[i + 2] == '<' && pattern[i + 3] != '=' && pattern[i + 3] != '!')
                {
                    var end = pattern.IndexOf('>', i + 3);
                    if (end > 0)
                    {
                        group++;
                        names[pattern.Substring(i + 3, end - i - 3)] = group;
                        sb.Append('(');
                        i = end;
                        continue;
                    }
                }
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    /// <summary>
    /// Adapts JavaScript regex syntax to .NET where they differ: <c>\d</c>, <c>\w</c> and their negations are
    /// ASCII only, <c>$</c> without the m flag matches only at the very end, <c>[^]</c> matches anything.
    /// </summary>
    internal static string TranslatePattern(string pattern, bool multiline)
    {
        var sb = new StringBuilder(pattern.Length + 8);
        var inClass = false;
        for (var i = 0; i < pattern.Length; i++)
        {
            var c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length)
            {
                var n = pattern[i + 1];
                switch (n)
                {
                    case 'd':
                        sb.Append(inClass ? "0-9" : "[0-9]");
                        break;
                    case 'D' when !inClass:
                        sb.Append("[^0-9]");
                        break;
                    case 'w':
                        sb.Append(inClass ? "a-zA-Z0-9_" : "[a-zA-Z0-9_]");
                        break;
                    case 'W' when !inClass:
                        sb.Append("[^a-zA-Z0-9_]");
                        break;
                    case '/':
                        sb.Append('/');
                        break;
                    default:
                        sb.Append(c).Append(n);
                        break;
                }

                i++;
                continue;
            }

            if (inClass)
            {
                if (c == ']')
                {
                    inClass = false;
                }

                sb.Append(c);
                continue;
            }

            if (c == '[')
            {
                if (i + 2 < pattern.Length && pattern[i + 1] == '^' && pattern[i + 2] == ']')
                {
                    sb.Append("[\\s\\S]");
                    i += 2;
                    continue;
                }

                inClass = true;
                sb.Append(c);

                // a ']' right after '[' or '[^' is literal in .NET but closes an empty class in JavaScript; keep as is
                continue;
            }

            if (c == '$' && !multiline)
            {
                sb.Append("(?!\\n)$");
                continue;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }
}
