namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>A parsed function signature such as <c>&lt;s-n?:s&gt;</c>, validating arguments.</summary>
internal sealed class Signature
{
    private sealed class Param
    {
        public char Type;
        public string Regex = string.Empty;
        public int Mask;
        public char Quant = '1';
        public bool Array;
        public bool Context;
        public string? Subtype;
    }

    private readonly List<Param> _params = [];

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

        foreach (var p in sig._params)
        {
            var cls = p.Regex;
            if (cls.EndsWith('?') || cls.EndsWith('+'))
            {
                p.Quant = cls[^1];
                cls = cls[..^1];
            }

            foreach (var c in cls)
            {
                p.Mask |= Bit(c);
            }
        }

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

    private static int Bit(char symbol) => symbol switch
    {
        'a' => 1,
        's' => 2,
        'n' => 4,
        'b' => 8,
        'l' => 16,
        'f' => 32,
        'o' => 64,
        'm' => 128,
        _ => 0,
    };

    /// <summary>
    /// Assigns arguments to parameters the way an anchored regular expression of the parameter classes
    /// would (greedy, backtracking). Returns the number of arguments consumed, or -1.
    /// </summary>
    private int Match(int pi, int ai, ReadOnlySpan<char> symbols, Span<int> counts, int paramLimit, bool full)
    {
        if (pi == paramLimit)
        {
            return !full || ai == symbols.Length ? ai : -1;
        }

        var p = _params[pi];
        var max = 0;
        while (ai + max < symbols.Length && (p.Mask & Bit(symbols[ai + max])) != 0 && (max < 1 || p.Quant == '+'))
        {
            max++;
        }

        var min = p.Quant == '?' ? 0 : 1;
        for (var c = max; c >= min; c--)
        {
            counts[pi] = c;
            var r = Match(pi + 1, ai + c, symbols, counts, paramLimit, full);
            if (r >= 0)
            {
                return r;
            }
        }

        return -1;
    }

    public List<object?> Validate(List<object?> args, object? context, int position)
    {
        Span<char> symbols = args.Count <= 32 ? stackalloc char[args.Count] : new char[args.Count];
        for (var i = 0; i < args.Count; i++)
        {
            symbols[i] = Symbol(args[i]);
        }

        Span<int> counts = _params.Count <= 32 ? stackalloc int[_params.Count] : new int[_params.Count];
        if (Match(0, 0, symbols, counts, _params.Count, true) < 0)
        {
            ThrowValidation(symbols, position);
        }

        var validated = new List<object?>(_params.Count);
        var argIndex = 0;
        for (var index = 0; index < _params.Count; index++)
        {
            var param = _params[index];
            var count = counts[index];
            if (count == 0)
            {
                if (param.Context)
                {
                    if (context is JList { OuterWrapper: true } ow && ow.Count > 0)
                    {
                        context = ow[0];
                    }

                    if ((param.Mask & Bit(Symbol(context))) != 0)
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

                continue;
            }

            var start = argIndex;
            for (var k = 0; k < count; k++)
            {
                var single = argIndex < symbols.Length ? symbols[argIndex] : 'm';
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
                            if (single != 'a' && !symbols.Slice(start, Math.Min(count, symbols.Length - start)).SequenceEqual(param.Subtype))
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

        return validated;
    }

    private void ThrowValidation(ReadOnlySpan<char> symbols, int position)
    {
        var goodTo = 0;
        Span<int> counts = _params.Count <= 32 ? stackalloc int[_params.Count] : new int[_params.Count];
        for (var k = 1; k <= _params.Count; k++)
        {
            var consumed = Match(0, 0, symbols, counts, k, false);
            if (consumed < 0)
            {
                break;
            }

            goodTo = consumed;
        }

        throw new MappingException("T0410", "Argument " + (goodTo + 1) + " of function does not match function signature", position, null);
    }
}
