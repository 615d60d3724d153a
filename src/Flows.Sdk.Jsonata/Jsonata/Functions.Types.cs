using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>A function value.</summary>
internal abstract class Fn
{
    public Signature? Signature;

    /// <summary>Number of declared parameters (used by higher-order functions to decide what to pass).</summary>
    public abstract int Arity { get; }
}

internal sealed class LambdaFn : Fn
{
    public LambdaFn(Node node, object? input, Frame env)
    {
        Node = node;
        Input = input;
        Env = env;
        Signature = node.Signature;
    }

    public Node Node { get; }

    public object? Input { get; }

    public Frame Env { get; }

    public override int Arity => Node.Params!.Count;
}

internal delegate object? BuiltinImpl(Evaluator ev, List<object?> args, object? input, int position);

internal sealed class BuiltinFn : Fn
{
    public BuiltinFn(string name, string? signature, BuiltinImpl impl)
    {
        Name = name;
        Impl = impl;
        if (signature != null)
        {
            Signature = Signature.Parse(signature, 0);
        }
    }

    public string Name { get; }

    public BuiltinImpl Impl { get; }

    public override int Arity => Signature?.RequiredCount ?? 1;
}

internal sealed class PartialFn : Fn
{
    public static readonly object Placeholder = new();

    public PartialFn(Fn target, List<object?> args)
    {
        Target = target;
        Args = args;
        var n = 0;
        foreach (var a in args)
        {
            if (ReferenceEquals(a, Placeholder))
            {
                n++;
            }
        }

        PlaceholderCount = n;
    }

    public Fn Target { get; }

    public List<object?> Args { get; }

    public int PlaceholderCount { get; }

    public override int Arity => PlaceholderCount;
}

internal sealed class ChainFn : Fn
{
    public ChainFn(Fn first, Fn second)
    {
        First = first;
        Second = second;
    }

    public Fn First { get; }

    public Fn Second { get; }

    public override int Arity => 1;
}

internal sealed class RegexFn : Fn
{
    public RegexFn(Regex regex) => Regex = regex;

    public Regex Regex { get; }

    public override int Arity => 1;
}

internal sealed class TransformFn : Fn
{
    public TransformFn(Node node, Frame env)
    {
        Node = node;
        Env = env;
        Signature = Signature.Parse("<(oa):o>", node.Position);
    }

    public Node Node { get; }

    public Frame Env { get; }

    public override int Arity => 1;
}

/// <summary>A function supplied by the host application.</summary>
internal sealed class HostFn : Fn
{
    public HostFn(string name, JsonataFunction impl, string? signature)
    {
        Name = name;
        Impl = impl;
        if (signature != null)
        {
            Signature = Signature.Parse(signature, 0);
        }
    }

    public string Name { get; }

    public JsonataFunction Impl { get; }

    public override int Arity => Signature?.ParamCount ?? 1;
}

/// <summary>A scope of variable bindings: a few names searched linearly, with an index once it grows.</summary>
internal sealed class Frame
{
    private string[]? _names;
    private object?[]? _values;
    private int _count;
    private Dictionary<string, int>? _index;

    public Frame(Frame? parent) => Parent = parent;

    public Frame? Parent { get; }

    public void Bind(string name, object? value)
    {
        var i = IndexOf(name);
        if (i >= 0)
        {
            _values![i] = value;
            return;
        }

        if (_names == null)
        {
            _names = new string[4];
            _values = new object?[4];
        }
        else if (_count == _names.Length)
        {
            Array.Resize(ref _names, _count * 2);
            Array.Resize(ref _values, _count * 2);
        }

        _names[_count] = name;
        _values![_count] = value;
        _index?.Add(name, _count);
        _count++;
        if (_index == null && _count > 8)
        {
            _index = new Dictionary<string, int>(_count * 2, StringComparer.Ordinal);
            for (var k = 0; k < _count; k++)
            {
                _index[_names[k]] = k;
            }
        }
    }

    public bool TryLookup(string name, out object? value)
    {
        for (var f = this; f != null; f = f.Parent)
        {
            var i = f.IndexOf(name);
            if (i >= 0)
            {
                value = f._values![i];
                return true;
            }
        }

        value = null;
        return false;
    }

    private int IndexOf(string name)
    {
        if (_index != null)
        {
            return _index.TryGetValue(name, out var i) ? i : -1;
        }

        var names = _names;
        for (var i = 0; i < _count; i++)
        {
            if (string.Equals(names![i], name, StringComparison.Ordinal))
            {
                return i;
            }
        }

        return -1;
    }
}
