using System.Text;
using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>A parsed function signature such as <c>&lt;s-n?:s&gt;</c>, validating arguments.</summary>
internal sealed class Signature
{
    private sealed class Param
    {
        public char Type;
        public string Regex = string.Empty;
        public bool Array;
        public bool Context;
        public Regex? ContextRegex;
        public string? Subtype;
    }

    private readonly List<Param> _params = [];
    private Regex _regex = null!;

    public string Text { get; private set; } = string.Empty;

    public int ParamCount => _params.Count;

    /// <summary>Parameters that are not optional (the arity a JavaScript implementation would report).</summary>
    public int RequiredCount
    {
        get
        {
            var n = 0;
            foreach (var p in _params)
            {
                if (!p.Regex.EndsWith('?') || p.Context)
                {
                    n++;
                }
            }

            return n;
        }
    }

    public static Signature Parse(string text, int position)
    {
        var sig = new Signature { Text = text };
        var position2 = 1;
        Param? prev = null;
        var isReturn = false;
        while (position2 < text.Length)
        {
            var symbol = text[position2];
            if (symbol == ':')
            {
                break;
            }

            if (isReturn)
            {
                position2++;
                continue;
            }

            var p = new Param();
            switch (symbol)
            {
                case 's':
                case 'n':
                case 'b':
                case 'l':
                case 'o':
                    p.Regex = "[" + symbol + "m]";
                    p.Type = symbol;
                    sig._params.Add(p);
                    prev = p;
                    break;
                case 'a':
                    p.Regex = "[asnblfom]";
                    p.Type = symbol;
                    p.Array = true;
                    sig._params.Add(p);
                    prev = p;
                    break;
                case 'f':
                    p.Regex = "f";
                    p.Type = symbol;
                    sig._params.Add(p);
                    prev = p;
                    break;
                case 'j':
                    p.Regex = "[asnblom]";
                    p.Type = symbol;
                    sig._params.Add(p);
                    prev = p;
                    break;
                case 'x':
                    p.Regex = "[asnblfom]";
                    p.Type = symbol;
                    sig._params.Add(p);
                    prev = p;
                    break;
                case 'u':
                    p.Regex = "[snblm]";
                    p.Type = symbol;
                    sig._params.Add(p);
                    prev = p;
                    break;
                case '-':
                    prev!.Context = true;
                    prev.ContextRegex = new Regex("^" + prev.Regex + "$", RegexOptions.CultureInvariant);
                    prev.Regex += "?";
                    break;
                case '?':
                case '+':
                    prev!.Regex += symbol;
                    break;
                case '(':
                    {
                        var end = FindClosing(text, position2, '(', ')', position);
                        var choice = text.Substring(position2 + 1, end - position2 - 1);
                        if (choice.Contains('<', StringComparison.Ordinal))
                        {
                            throw new MappingException("S0402", "Choice groups containing parameterized types are not supported", position);
                        }

                        p.Regex = "[" + choice + "m]";
                        p.Type = '(';
                        sig._params.Add(p);
                        prev = p;
                        position2 = end;
                        break;
                    }

                case '<':
                    {
                        if (prev == null || (prev.Type != 'a' && prev.Type != 'f'))
                        {
                            throw new MappingException("S0401", "Type parameters can only be applied to functions and arrays", position);
                        }

                        var end = FindClosing(text, position2, '<', '>', position);
                        prev.Subtype = text.Substring(position2 + 1, end - position2 - 1);
                        position2 = end;
                        break;
                    }

                case '>':
                    break;
                default:
                    throw new MappingException("S0401", "Unknown signature symbol " + symbol, position);
            }

            position2++;
        }

        var sb = new StringBuilder("^");
        foreach (var p in sig._params)
        {
            sb.Append('(').Append(p.Regex).Append(')');
        }

        sb.Append('$');
        sig._regex = new Regex(sb.ToString(), RegexOptions.CultureInvariant);
        return sig;
    }

    private static int FindClosing(string s, int start, char open, char close, int position)
    {
        var depth = 1;
        for (var i = start + 1; i < s.Length; i++)
        {
            if (s[i] == open)
            {
                depth++;
            }
            else if (s[i] == close)
            {
                depth--;
                if (depth == 0)
                {
                    return i;
                }
            }
        }

        throw new MappingException("S0401", "Malformed signature", position);
    }

    public static char Symbol(object? v) => v switch
    {
        null => 'm',
        Fn => 'f',
        string => 's',
        double => 'n',
        bool => 'b',
        JNull => 'l',
        JList => 'a',
        _ => 'o',
    };

    public List<object?> Validate(List<object?> args, object? context, int position)
    {
        Span<char> buf = args.Count <= 32 ? stackalloc char[args.Count] : new char[args.Count];
        for (var i = 0; i < args.Count; i++)
        {
            buf[i] = Symbol(args[i]);
        }

        var supplied = new string(buf);
        var m = _regex.Match(supplied);
        if (!m.Success)
        {
            ThrowValidation(args, supplied, position);
        }

        var validated = new List<object?>(_params.Count);
        var argIndex = 0;
        for (var index = 0; index < _params.Count; index++)
        {
            var param = _params[index];
            var match = m.Groups[index + 1].Value;
            if (match.Length == 0)
            {
                if (param.Context && param.ContextRegex != null)
                {
                    if (context is JList { OuterWrapper: true } ow && ow.Count > 0)
                    {
                        context = ow[0];
                    }

                    var ct = Symbol(context).ToString();
                    if (param.ContextRegex.IsMatch(ct))
                    {
                        validated.Add(context);
                    }
                    else
                    {
                        throw new MappingException("T0411", "Context value is not a compatible type with argument " + (argIndex + 1) + " of function", position, null);
                    }
                }
                else
                {
                    validated.Add(argIndex < args.Count ? args[argIndex] : null);
                    argIndex++;
                }
            }
            else
            {
                foreach (var single in match)
                {
                    var arg = argIndex < args.Count ? args[argIndex] : null;
                    if (param.Type == 'a')
                    {
                        if (single == 'm')
                        {
                            arg = null;
                        }
                        else
                        {
                            var ok = true;
                            if (param.Subtype != null && param.Subtype != "x")
                            {
                                if (single != 'a' && match != param.Subtype)
                                {
                                    ok = false;
                                }
                                else if (single == 'a' && arg is JList l && l.Count > 0)
                                {
                                    var itemType = Symbol(l[0]);
                                    if (itemType != param.Subtype[0])
                                    {
                                        ok = false;
                                    }
                                    else
                                    {
                                        foreach (var v in l)
                                        {
                                            if (Symbol(v) != itemType)
                                            {
                                                ok = false;
                                                break;
                                            }
                                        }
                                    }
                                }
                            }

                            if (!ok)
                            {
                                throw new MappingException("T0412", "Argument " + (argIndex + 1) + " of function must be an array of " + param.Subtype, position);
                            }

                            if (single != 'a')
                            {
                                arg = new JList { arg };
                            }
                        }
                    }

                    validated.Add(arg);
                    argIndex++;
                }
            }
        }

        return validated;
    }

    private void ThrowValidation(List<object?> args, string supplied, int position)
    {
        var pattern = new StringBuilder("^");
        var goodTo = 0;
        foreach (var p in _params)
        {
            pattern.Append(p.Regex);
            var m = Regex.Match(supplied, pattern.ToString(), RegexOptions.CultureInvariant);
            if (!m.Success)
            {
                break;
            }

            goodTo = m.Length;
        }

        throw new MappingException("T0410", "Argument " + (goodTo + 1) + " of function does not match function signature", position, null);
    }
}
