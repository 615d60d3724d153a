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

/// <summary>A scope of variable bindings.</summary>
internal sealed class Frame
{
    private Dictionary<string, object?>? _vars;

    public Frame(Frame? parent) => Parent = parent;

    public Frame? Parent { get; }

    public void Bind(string name, object? value) => (_vars ??= new Dictionary<string, object?>(StringComparer.Ordinal))[name] = value;

    public bool TryLookup(string name, out object? value)
    {
        for (var f = this; f != null; f = f.Parent)
        {
            if (f._vars != null && f._vars.TryGetValue(name, out value))
            {
                return true;
            }
        }

        value = null;
        return false;
    }
}
