using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping.Jsonata;

internal sealed partial class Evaluator
{
    private object? EvalBinary(Node expr, object? input, Frame env)
    {
        var op = expr.Value;
        var lhs = Eval(expr.Lhs!, input, env);
        switch (op)
        {
            case "and":
                return Values.Bool(Functions.ToBoolean(lhs) && Functions.ToBoolean(Eval(expr.Rhs!, input, env)));
            case "or":
                return Values.Bool(Functions.ToBoolean(lhs) || Functions.ToBoolean(Eval(expr.Rhs!, input, env)));
            case "??":
                return lhs ?? Eval(expr.Rhs!, input, env);
            case "?:":
                return Functions.ToBoolean(lhs) ? lhs : Eval(expr.Rhs!, input, env);
        }

        var rhs = Eval(expr.Rhs!, input, env);
        switch (op)
        {
            case "+":
            case "-":
            case "*":
            case "/":
            case "%":
                {
                    if (lhs != null && lhs is not double)
                    {
                        throw new MappingException("T2001", "The left side of the " + op + " operator must evaluate to a number", expr.Position, op);
                    }

                    if (rhs != null && rhs is not double)
                    {
                        throw new MappingException("T2002", "The right side of the " + op + " operator must evaluate to a number", expr.Position, op);
                    }

                    if (lhs == null || rhs == null)
                    {
                        return null;
                    }

                    var l = (double)lhs;
                    var r = (double)rhs;
                    if (!double.IsFinite(l) || !double.IsFinite(r))
                    {
                        throw new MappingException("D1001", "Number out of range", expr.Position, null);
                    }

                    var res = op switch
                    {
                        "+" => l + r,
                        "-" => l - r,
                        "*" => l * r,
                        "/" => l / r,
                        _ => l % r,
                    };
                    return res;
                }

            case "=":
                return lhs == null || rhs == null ? Values.False : Values.Bool(Functions.DeepEquals(lhs, rhs));
            case "!=":
                return lhs == null || rhs == null ? Values.False : Values.Bool(!Functions.DeepEquals(lhs, rhs));
            case "<":
            case "<=":
            case ">":
            case ">=":
                {
                    var lc = lhs == null || lhs is string || lhs is double;
                    var rc = rhs == null || rhs is string || rhs is double;
                    if (!lc || !rc)
                    {
                        throw new MappingException("T2010", "The expressions either side of operator " + op + " must evaluate to numeric or string values", expr.Position, op);
                    }

                    if (lhs == null || rhs == null)
                    {
                        return null;
                    }

                    if (lhs.GetType() != rhs.GetType())
                    {
                        throw new MappingException("T2009", "The values either side of operator " + op + " must be of the same data type", expr.Position, op);
                    }

                    var c = lhs is double ld ? ld.CompareTo((double)rhs) : string.CompareOrdinal((string)lhs, (string)rhs);
                    return Values.Bool(op switch
                    {
                        "<" => c < 0,
                        "<=" => c <= 0,
                        ">" => c > 0,
                        _ => c >= 0,
                    });
                }

            case "&":
                {
                    var ls = Functions.StringOf(lhs, this, expr.Position);
                    var rs = Functions.StringOf(rhs, this, expr.Position);
                    Produce((long)ls.Length + rs.Length, expr.Position);
                    return string.Concat(ls, rs);
                }
            case "in":
                {
                    if (lhs == null || rhs == null)
                    {
                        return Values.False;
                    }

                    if (rhs is JList rl)
                    {
                        foreach (var item in rl)
                        {
                            if (Functions.DeepEquals(item, lhs))
                            {
                                return Values.True;
                            }
                        }

                        return Values.False;
                    }

                    return Values.Bool(Functions.DeepEquals(rhs, lhs));
                }

            default:
                throw new MappingException("S0204", "Unknown operator: " + op, expr.Position, op);
        }
    }

    private object? EvalCall(Node expr, object? input, Frame env, object? applyTo, bool hasApplyTo)
    {
        var proc = Eval(expr.Procedure!, input, env);
        if (proc == null && expr.Procedure!.Type == NodeType.Path && expr.Procedure.Items![0].Type == NodeType.Name
            && Lookup(env, expr.Procedure.Items[0].Value) != null)
        {
            throw new MappingException("T1005", "Attempted to invoke a non-function. Did you mean ${" + expr.Procedure.Items[0].Value + "}?", expr.Position, expr.Procedure.Items[0].Value);
        }

        var args = new List<object?>(expr.Items!.Count + (hasApplyTo ? 1 : 0));
        if (hasApplyTo)
        {
            args.Add(applyTo);
        }

        foreach (var a in expr.Items)
        {
            var v = Eval(a, input, env);
            args.Add(v);
        }

        var name = expr.Procedure!.Type == NodeType.Path ? expr.Procedure.Items![0].Value : expr.Procedure.Value;
        CallerFrame = env;
        return Apply(proc, args, input, expr.Position, name);
    }

    /// <summary>Applies a function, trampolining tail calls.</summary>
    public object? Apply(object? proc, List<object?> args, object? input, int position, string? name = null)
    {
        Tick(position);
        var result = ApplyInner(proc, args, input, position, name);
        while (result is LambdaFn { Node.Thunk: true } thunk)
        {
            // an endless tail recursion loops here, in constant stack: the time limit and cancellation must hold in it
            Tick(position);
            var call = thunk.Node.Body!;
            var next = Eval(call.Procedure!, thunk.Input, thunk.Env);
            var nargs = new List<object?>(call.Items!.Count);
            foreach (var a in call.Items)
            {
                nargs.Add(Eval(a, thunk.Input, thunk.Env));
            }

            var nname = call.Procedure!.Type == NodeType.Path ? call.Procedure.Items![0].Value : call.Procedure.Value;
            result = ApplyInner(next, nargs, thunk.Input, call.Position, nname);
        }

        return result;
    }

    private object? ApplyInner(object? proc, List<object?> args, object? input, int position, string? name)
    {
        if (proc is not Fn fn)
        {
            throw new MappingException("T1006", "Attempted to invoke a non-function", position, name);
        }

        var validated = args;
        if (fn.Signature != null)
        {
            try
            {
                validated = fn.Signature.Validate(args, input, position);
            }
            catch (MappingException ex) when (ex.Token == null && name != null)
            {
                throw new MappingException(ex.Code, ex.Message.Replace("of function", "of function " + name, StringComparison.Ordinal), position, name, ex);
            }
        }

        switch (fn)
        {
            case LambdaFn lambda:
                {
                    var frame = new Frame(lambda.Env);
                    var ps = lambda.Node.Params!;
                    for (var i = 0; i < ps.Count; i++)
                    {
                        frame.Bind(ps[i], i < validated.Count ? validated[i] : null);
                    }

                    return Eval(lambda.Node.Body!, lambda.Input, frame);
                }

            case BuiltinFn b:
                return b.Impl(this, validated, input, position);
            case PartialFn p:
                {
                    var full = new List<object?>(p.Args.Count);
                    var ai = 0;
                    foreach (var a in p.Args)
                    {
                        if (ReferenceEquals(a, PartialFn.Placeholder))
                        {
                            full.Add(ai < validated.Count ? validated[ai] : null);
                            ai++;
                        }
                        else
                        {
                            full.Add(a);
                        }
                    }

                    return Apply(p.Target, full, input, position, name);
                }

            case ChainFn c:
                {
                    var first = Apply(c.First, validated, input, position, name);
                    return Apply(c.Second, new List<object?> { first }, input, position, name);
                }

            case RegexFn r:
                return Functions.RegexMatchObject(this, r.Regex, validated.Count > 0 ? validated[0] : null, 0, position);
            case TransformFn t:
                return EvalTransform(t, validated.Count > 0 ? validated[0] : null);
            case HostFn h:
                {
                    var targs = new JTokenArgs(validated, this);
                    JToken? res;
                    try
                    {
                        res = h.Impl(targs.Tokens);
                    }
                    catch (Exception ex) when (ex is not MappingException and not OperationCanceledException)
                    {
                        throw new MappingException("D3199", "Function $" + h.Name + " failed: " + ex.Message, position, h.Name, ex);
                    }

                    return Values.FromToken(res);
                }

            default:
                throw new MappingException("T1006", "Attempted to invoke a non-function", position, name);
        }
    }

    private object? EvalPartial(Node expr, object? input, Frame env)
    {
        var proc = Eval(expr.Procedure!, input, env);
        var args = new List<object?>(expr.Items!.Count);
        foreach (var a in expr.Items)
        {
            args.Add(a.Type == NodeType.Placeholder ? PartialFn.Placeholder : Eval(a, input, env));
        }

        if (proc is not Fn fn)
        {
            var name = expr.Procedure!.Type == NodeType.Path ? expr.Procedure.Items![0].Value : expr.Procedure.Value;
            if (proc == null && expr.Procedure.Type == NodeType.Path && Lookup(env, name) != null)
            {
                throw new MappingException("T1007", "Attempted to partially apply a non-function. Did you mean ${" + name + "}?", expr.Position, name);
            }

            throw new MappingException("T1008", "Attempted to partially apply a non-function", expr.Position, name);
        }

        return new PartialFn(fn, args);
    }

    private object? EvalApply(Node expr, object? input, Frame env)
    {
        var lhs = Eval(expr.Lhs!, input, env);
        if (expr.Rhs!.Type == NodeType.Call)
        {
            return EvalCall(expr.Rhs, input, env, lhs, true);
        }

        var func = Eval(expr.Rhs, input, env);
        if (func is not Fn f)
        {
            throw new MappingException("T2006", "The right side of the function application operator ~> must be a function", expr.Position, null);
        }

        if (lhs is Fn lf)
        {
            return new ChainFn(lf, f);
        }

        return Apply(f, new List<object?> { lhs }, input, expr.Position);
    }

    private object? EvalTransform(TransformFn t, object? obj)
    {
        if (obj == null)
        {
            return null;
        }

        var expr = t.Node;
        var env = t.Env;
        var result = Functions.DeepClone(obj, this, expr.Position);
        var matches = Eval(expr.Pattern!, result, env);
        if (matches != null)
        {
            var list = matches as JList ?? new JList { matches };
            foreach (var match in list)
            {
                var update = Eval(expr.Update!, match, env);
                if (update != null)
                {
                    if (update is not JMap um)
                    {
                        throw new MappingException("T2011", "The insert/update clause of the transform expression must evaluate to an object: " + Functions.StringifyForError(update), expr.Update!.Position, null);
                    }

                    if (match is JMap mm)
                    {
                        foreach (var kv in um)
                        {
                            mm[kv.Key] = kv.Value;
                        }
                    }
                }

                if (expr.Delete != null)
                {
                    var deletions = Eval(expr.Delete, match, env);
                    if (deletions != null)
                    {
                        var dl = deletions as JList ?? new JList { deletions };
                        foreach (var d in dl)
                        {
                            if (d is not string)
                            {
                                throw new MappingException("T2012", "The delete clause of the transform expression must evaluate to a string or array of strings: " + Functions.StringifyForError(deletions), expr.Delete.Position, null);
                            }
                        }

                        if (match is JMap mm2)
                        {
                            foreach (var d in dl)
                            {
                                mm2.Remove((string)d!);
                            }
                        }
                    }
                }
            }
        }

        return result;
    }
}

/// <summary>Converts evaluator arguments to tokens for host functions.</summary>
internal readonly struct JTokenArgs
{
    /// <summary>Converts <paramref name="args"/>; the tokens made count against <paramref name="ev"/>'s time and size limits.</summary>
    public JTokenArgs(List<object?> args, Evaluator ev)
    {
        var tokens = new Newtonsoft.Json.Linq.JToken?[args.Count];
        for (var i = 0; i < args.Count; i++)
        {
            tokens[i] = Values.ToToken(args[i], ev);
        }

        Tokens = tokens;
    }

    public Newtonsoft.Json.Linq.JToken?[] Tokens { get; }
}
