using System.Diagnostics;
using System.Diagnostics.CodeAnalysis;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>Per-evaluation state and the tree-walking evaluator.</summary>
internal sealed partial class Evaluator
{
    private readonly int _maxDepth;
    private readonly long _deadline;
    private readonly TimeSpan? _timeLimit;
    private readonly long _maxSize;
    private readonly CancellationToken _ct;
    private readonly IReadOnlyDictionary<string, Fn> _globals;
    private int _depth;
    private int _ticks;

    /// <summary>What this evaluation has produced so far: sequence items appended and string characters built.</summary>
    private long _size;

    public Evaluator(JsonataOptions options, IReadOnlyDictionary<string, Fn> globals, EvaluationLimits limits, CancellationToken ct)
    {
        _maxDepth = options.MaxDepth;
        _timeLimit = limits.TimeLimit ?? options.TimeLimit;
        _deadline = Deadline(_timeLimit);
        _maxSize = limits.MaxSize ?? options.MaxEvaluationSize;
        _ct = ct;
        _globals = globals;
        Options = options;
    }

    private static long Deadline(TimeSpan? limit)
    {
        if (limit is not { } tl)
        {
            return long.MaxValue;
        }

        var now = Stopwatch.GetTimestamp();
        var ticks = tl.TotalSeconds * Stopwatch.Frequency;
        return ticks >= long.MaxValue - now ? long.MaxValue : now + (long)ticks;
    }

    public JsonataOptions Options { get; }

    public Frame? RootFrame { get; set; }

    /// <summary>The scope of the innermost function call being applied (used by <c>$eval</c>).</summary>
    public Frame? CallerFrame { get; set; }

    /// <summary>Whether a caller-supplied binding has the name of a global function (which it then hides).</summary>
    public bool BindingsShadowGlobals { get; set; }

    /// <summary>The evaluation input, bound to <c>$$</c>.</summary>
    public object? RootInput { get; set; }

    /// <summary>The evaluation's timestamp: every <c>$now()</c>/<c>$millis()</c> in one evaluation agrees.</summary>
    public long NowMillis
    {
        get
        {
            if (_now == long.MinValue)
            {
                _now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            }

            return _now;
        }
    }

    private long _now = long.MinValue;

    public TimeSpan RegexTimeout => Options.RegexTimeout;

    public object? Lookup(Frame env, string name)
    {
        if (env.TryLookup(name, out var v))
        {
            return v;
        }

        if (name == "$")
        {
            return RootInput;
        }

        return _globals.TryGetValue(name, out var f) ? f : null;
    }

    private object? Leave(object? value)
    {
        _depth--;
        return value;
    }

    private bool Enter(Node expr)
    {
        if (++_depth > _maxDepth || !RuntimeHelpers.TryEnsureSufficientExecutionStack())
        {
            throw new MappingException("U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.", expr.Position);
        }

        if ((++_ticks & 255) == 0)
        {
            CheckTime(expr.Position);
        }

        return true;
    }

    /// <summary>
    /// Counts one unit of work; every 256th checks the time limit and the cancellation token. Loops that do not go
    /// through <see cref="Eval"/> (built-in functions, builders) call this per item.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Tick(int position)
    {
        if ((++_ticks & 255) == 0)
        {
            CheckTime(position);
        }
    }

    /// <summary>Checks the cancellation token and the time limit now.</summary>
    public void CheckTime(int position)
    {
        _ct.ThrowIfCancellationRequested();

        if (_deadline != long.MaxValue && Stopwatch.GetTimestamp() > _deadline)
        {
            throw TimeLimitExceeded(_timeLimit!.Value, position);
        }
    }

    /// <summary>
    /// Counts <paramref name="amount"/> produced items or characters against the size limit, before they are made
    /// (so a big allocation whose size is known is refused before it happens).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void Produce(long amount, int position)
    {
        if ((_size += amount) > _maxSize)
        {
            ThrowSizeLimitExceeded(position);
        }
    }

    /// <summary>
    /// Checks that <paramref name="pending"/> more items or characters (being built, not yet counted) would still fit,
    /// without counting them: for builders that count their output once at the end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public void EnsureRoom(long pending, int position)
    {
        if (_size + pending > _maxSize)
        {
            ThrowSizeLimitExceeded(position);
        }
    }

    [DoesNotReturn]
    [MethodImpl(MethodImplOptions.NoInlining)]
    private void ThrowSizeLimitExceeded(int position) => throw SizeLimitExceeded(_maxSize, position);

    internal static MappingException TimeLimitExceeded(TimeSpan limit, int position) => new(
        "U1001",
        "Expression evaluation exceeded its time limit of " + FormatDuration(limit)
        + " (JsonataOptions.TimeLimit, or EvaluationLimits.TimeLimit for one evaluation): check for an infinite loop",
        position);

    internal static MappingException SizeLimitExceeded(long limit, int position) => new(
        "U1002",
        "Expression evaluation exceeded its size limit of " + limit.ToString("N0", System.Globalization.CultureInfo.InvariantCulture)
        + " sequence items and string characters produced (JsonataOptions.MaxEvaluationSize, or EvaluationLimits.MaxSize for one evaluation):"
        + " check for runaway growth",
        position);

    internal static string FormatDuration(TimeSpan t)
    {
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        if (t.TotalSeconds >= 1)
        {
            return t.TotalSeconds.ToString("0.###", inv) + " s";
        }

        return t.TotalMilliseconds.ToString("0.###", inv) + " ms";
    }

    public object? Eval(Node expr, object? input, Frame env)
    {
        Enter(expr);
        object? result;
        switch (expr.Type)
        {
            case NodeType.Path:
                result = EvalPath(expr, input, env);
                break;
            case NodeType.Binary:
                result = EvalBinary(expr, input, env);
                break;
            case NodeType.Negate:
                {
                    var v = Eval(expr.Lhs!, input, env);
                    if (v == null)
                    {
                        result = null;
                    }
                    else if (v is double d)
                    {
                        result = -d;
                    }
                    else
                    {
                        throw new MappingException("D1002", "Cannot negate a non-numeric value: " + Functions.StringifyForError(v), expr.Position, null);
                    }

                    break;
                }

            case NodeType.ArrayCons:
                result = EvalArray(expr, input, env);
                break;
            case NodeType.ObjectCons:
                if (input is JList)
                {
                    result = EvalGroup(expr.Pairs!, input, env);
                }
                else if (expr.ConstantKeys is { } constantKeys)
                {
                    var map = new JMap(constantKeys.Length);
                    var pairs = expr.Pairs!;
                    for (var i = 0; i < constantKeys.Length; i++)
                    {
                        var value = Eval(pairs[i].Value, input, env);
                        if (value != null)
                        {
                            map.AddNew(constantKeys[i], value);
                        }
                    }

                    result = map;
                }
                else
                {
                    result = EvalObject(expr.Pairs!, input, env);
                }

                break;
            case NodeType.Name:
                result = LookupField(input, expr.Value, this, expr.Position);
                break;
            case NodeType.Literal:
                result = expr.Literal;
                break;
            case NodeType.Wildcard:
                result = EvalWildcard(input, expr.Position);
                break;
            case NodeType.Descendant:
                result = EvalDescendants(input, expr.Position);
                break;
            case NodeType.Parent:
                env.TryLookup(expr.ParentSlot!.Label, out result);
                break;
            case NodeType.Condition:
                {
                    var c = Eval(expr.Lhs!, input, env);
                    if (Functions.ToBoolean(c))
                    {
                        result = Eval(expr.Then!, input, env);
                    }
                    else
                    {
                        result = expr.Else != null ? Eval(expr.Else, input, env) : null;
                    }

                    break;
                }

            case NodeType.Block:
                {
                    var frame = new Frame(env);
                    result = null;
                    foreach (var item in expr.Items!)
                    {
                        result = Eval(item, input, frame);
                    }

                    break;
                }

            case NodeType.Bind:
                result = Eval(expr.Rhs!, input, env);
                env.Bind(expr.Lhs!.Value, result);
                break;
            case NodeType.Regex:
                result = new RegexFn(expr.Regex!);
                break;
            case NodeType.Call:
                result = EvalCall(expr, input, env, null, false);
                break;
            case NodeType.Partial:
                result = EvalPartial(expr, input, env);
                break;
            case NodeType.Variable:
                if (expr.Value.Length == 0)
                {
                    result = input is JList { OuterWrapper: true } ow && ow.Count > 0 ? ow[0] : input;
                }
                else if (expr.ResolvedBuiltin != null && !BindingsShadowGlobals)
                {
                    result = expr.ResolvedBuiltin;
                }
                else
                {
                    result = Lookup(env, expr.Value);
                }

                break;
            case NodeType.Lambda:
                result = new LambdaFn(expr, input, env);
                break;
            case NodeType.Apply:
                result = EvalApply(expr, input, env);
                break;
            case NodeType.Transform:
                result = new TransformFn(expr, env);
                break;
            case NodeType.Range:
                result = EvalRange(expr, input, env);
                break;
            case NodeType.Placeholder:
                result = null;
                break;
            default:
                throw new MappingException("S0206", "Unknown expression type " + expr.Type, expr.Position);
        }

        if (expr.Predicates != null)
        {
            foreach (var p in expr.Predicates)
            {
                result = EvalFilter(p.Lhs!, result, env);
            }
        }

        if (expr.Type != NodeType.Path && expr.Group != null)
        {
            result = EvalGroup(expr.Group.Pairs, result, env);
        }

        if (result is JList { Sequence: true, TupleStream: false } seq)
        {
            if (expr.KeepArray)
            {
                seq.KeepSingleton = true;
            }

            if (seq.Count == 0)
            {
                result = null;
            }
            else if (seq.Count == 1 && !seq.KeepSingleton)
            {
                result = seq[0];
            }
        }

        _depth--;
        return result;
    }

    // ---------------------------------------------------------------- paths

    private object? EvalPath(Node expr, object? input, Frame env)
    {
        JList inputSeq;
        var steps = expr.Items!;
        if (expr.IsSimpleName && input is not JList)
        {
            // a single plain field step on a single item: no sequence bookkeeping needed
            return Enter(steps[0]) ? Leave(LookupField(input, steps[0].Value, this, steps[0].Position)) : null;
        }

        if (input is JList il && steps[0].Type != NodeType.Variable)
        {
            inputSeq = il;
        }
        else
        {
            inputSeq = new JList(1) { input };
            inputSeq.Sequence = true;
        }

        JList? resultSeq = null;
        var isTuple = false;
        JList? tuples = null;
        for (var i = 0; i < steps.Count; i++)
        {
            var step = steps[i];
            if (step.Tuple)
            {
                isTuple = true;
            }

            if (i == 0 && step.ConsArray)
            {
                var r = Eval(step, inputSeq, env);
                resultSeq = r as JList ?? JList.Seq(r);
                if (r is JList rl && !rl.Sequence)
                {
                    resultSeq = rl;
                }
            }
            else if (isTuple)
            {
                tuples = EvalTupleStep(step, inputSeq, tuples, env);
            }
            else
            {
                resultSeq = EvalStep(step, inputSeq, env, i == steps.Count - 1);
            }

            if (!isTuple && (resultSeq == null || resultSeq.Count == 0))
            {
                break;
            }

            if (step.FocusVar == null)
            {
                inputSeq = resultSeq!;
            }
        }

        object? result = resultSeq;
        if (isTuple)
        {
            if (expr.Tuple)
            {
                result = tuples;
            }
            else
            {
                var rs = JList.Seq();
                if (tuples != null)
                {
                    Produce(tuples.Count, expr.Position);
                    foreach (var t in tuples)
                    {
                        rs.Add(((TupleItem)t!).Value);
                    }
                }

                result = rs;
            }
        }

        if (expr.KeepSingletonArray)
        {
            if (result is JList { Cons: true, Sequence: false } cl)
            {
                var s = JList.Seq();
                s.Add(cl);
                result = s;
            }

            if (result is JList rl2)
            {
                rl2.KeepSingleton = true;
            }
        }

        if (expr.Group != null)
        {
            result = EvalGroup(expr.Group.Pairs, isTuple ? tuples : result, env);
        }

        return result;
    }

    private JList EvalStep(Node step, JList input, Frame env, bool lastStep)
    {
        if (step.Type == NodeType.Sort)
        {
            var sorted = EvalSort(step, input, env);
            if (step.Stages != null)
            {
                sorted = EvalStages(step.Stages, sorted, env);
            }

            return sorted;
        }

        if (input.Count == 1)
        {
            var single = Eval(step, input[0], env);
            if (step.Stages != null)
            {
                foreach (var stage in step.Stages)
                {
                    single = EvalFilter(stage.Lhs!, single, env);
                }
            }

            if (single is JList sl)
            {
                if (lastStep && !sl.Sequence)
                {
                    return sl;
                }

                if (!sl.Cons)
                {
                    Produce(sl.Count, step.Position);
                    var copy = new JList(sl.Count) { Sequence = true };
                    copy.AddRange(sl);
                    return copy;
                }
            }

            var one = new JList(1) { Sequence = true };
            if (single != null)
            {
                one.Add(single);
            }

            return one;
        }

        var result = JList.Seq();
        for (var i = 0; i < input.Count; i++)
        {
            var res = Eval(step, input[i], env);
            if (step.Stages != null)
            {
                foreach (var stage in step.Stages)
                {
                    res = EvalFilter(stage.Lhs!, res, env);
                }
            }

            if (res != null)
            {
                Produce(1, step.Position);
                result.Add(res);
            }
        }

        if (lastStep && result.Count == 1 && result[0] is JList { Sequence: false } only)
        {
            return only;
        }

        var flat = JList.Seq();
        foreach (var r in result)
        {
            if (r is JList rl && !rl.Cons)
            {
                Produce(rl.Count, step.Position);
                flat.AddRange(rl);
            }
            else
            {
                Produce(1, step.Position);
                flat.Add(r);
            }
        }

        return flat;
    }

    private JList EvalStages(List<Node> stages, JList input, Frame env)
    {
        var result = input;
        foreach (var stage in stages)
        {
            if (stage.Type == NodeType.Filter)
            {
                result = EvalFilter(stage.Lhs!, result, env) as JList ?? JList.Seq();
            }
            else if (stage.Type == NodeType.Index)
            {
                for (var i = 0; i < result.Count; i++)
                {
                    ((TupleItem)result[i]!).Vars[stage.Value] = (double)i;
                }
            }
        }

        return result;
    }

    private static Frame FrameFromTuple(Frame env, TupleItem tuple)
    {
        var f = new Frame(env);
        foreach (var kv in tuple.Vars)
        {
            f.Bind(kv.Key, kv.Value);
        }

        return f;
    }

    private JList EvalTupleStep(Node step, JList input, JList? tuples, Frame env)
    {
        JList result;
        if (step.Type == NodeType.Sort)
        {
            if (tuples != null)
            {
                result = EvalSort(step, tuples, env);
            }
            else
            {
                var sorted = EvalSort(step, input, env);
                Produce(sorted.Count, step.Position);
                result = JList.Seq();
                result.TupleStream = true;
                for (var i = 0; i < sorted.Count; i++)
                {
                    var t = new TupleItem(sorted[i]);
                    if (step.IndexVar != null)
                    {
                        t.Vars[step.IndexVar] = (double)i;
                    }

                    result.Add(t);
                }
            }

            if (step.Stages != null)
            {
                result = EvalStages(step.Stages, result, env);
            }

            return result;
        }

        result = JList.Seq();
        result.TupleStream = true;
        if (tuples == null)
        {
            Produce(input.Count, step.Position);
            tuples = new JList(input.Count);
            foreach (var item in input)
            {
                tuples.Add(new TupleItem(item));
            }
        }

        foreach (var t0 in tuples)
        {
            var tuple = (TupleItem)t0!;
            var stepEnv = FrameFromTuple(env, tuple);
            var res = Eval(step, tuple.Value, stepEnv);
            if (res == null)
            {
                continue;
            }

            JList resList;
            if (res is JList rl)
            {
                resList = rl;
            }
            else
            {
                resList = new JList { res };
            }

            for (var bb = 0; bb < resList.Count; bb++)
            {
                var t2 = new TupleItem(tuple);
                if (resList.TupleStream)
                {
                    var src = (TupleItem)resList[bb]!;
                    t2.Value = src.Value;
                    foreach (var kv in src.Vars)
                    {
                        t2.Vars[kv.Key] = kv.Value;
                    }
                }
                else
                {
                    if (step.FocusVar != null)
                    {
                        t2.Vars[step.FocusVar] = resList[bb];
                        t2.Value = tuple.Value;
                    }
                    else
                    {
                        t2.Value = resList[bb];
                    }

                    if (step.IndexVar != null)
                    {
                        t2.Vars[step.IndexVar] = (double)bb;
                    }

                    if (step.Ancestor != null)
                    {
                        t2.Vars[step.Ancestor.Label] = tuple.Value;
                    }
                }

                Produce(1, step.Position);
                result.Add(t2);
            }
        }

        if (step.Stages != null)
        {
            result = EvalStages(step.Stages, result, env);
        }

        return result;
    }

    private object? EvalFilter(Node predicate, object? input, Frame env)
    {
        var results = JList.Seq();
        if (input is JList { TupleStream: true })
        {
            results.TupleStream = true;
        }

        JList inList = input as JList ?? JList.Seq(input);
        if (predicate.Type == NodeType.Literal && predicate.Literal is double num)
        {
            var index = (int)Math.Floor(num);
            if (index < 0)
            {
                index = inList.Count + index;
            }

            if (index >= 0 && index < inList.Count)
            {
                var item = inList[index];
                if (item != null)
                {
                    if (item is JList al)
                    {
                        return al;
                    }

                    results.Add(item);
                }
            }

            return results;
        }

        for (var index = 0; index < inList.Count; index++)
        {
            var item = inList[index];
            var context = item;
            var env2 = env;
            if (inList.TupleStream)
            {
                var t = (TupleItem)item!;
                context = t.Value;
                env2 = FrameFromTuple(env, t);
            }

            var res = Eval(predicate, context, env2);
            if (res is double d)
            {
                var ii = (int)Math.Floor(d);
                if (ii < 0)
                {
                    ii = inList.Count + ii;
                }

                if (ii == index)
                {
                    Produce(1, predicate.Position);
                    results.Add(item);
                }
            }
            else if (res is JList rl && rl.Count > 0 && IsArrayOfNumbers(rl))
            {
                foreach (var n in rl)
                {
                    var ii = (int)Math.Floor((double)n!);
                    if (ii < 0)
                    {
                        ii = inList.Count + ii;
                    }

                    if (ii == index)
                    {
                        Produce(1, predicate.Position);
                        results.Add(item);
                    }
                }
            }
            else if (Functions.ToBoolean(res))
            {
                Produce(1, predicate.Position);
                results.Add(item);
            }
        }

        return results;
    }

    private static bool IsArrayOfNumbers(JList l)
    {
        foreach (var v in l)
        {
            if (v is not double)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>The value of field <paramref name="key"/>; over an array, the flattened values of its items (counted against the budget).</summary>
    public static object? LookupField(object? input, string key, Evaluator ev, int position)
    {
        if (input is JMap m)
        {
            return m.TryGetValue(key, out var v) ? v : null;
        }

        if (input is JList l)
        {
            var result = JList.Seq();
            for (var i = 0; i < l.Count; i++)
            {
                var res = LookupField(l[i], key, ev, position);
                if (res != null)
                {
                    ev.Tick(position);
                    if (res is JList rl)
                    {
                        ev.Produce(rl.Count, position);
                        result.AddRange(rl);
                    }
                    else
                    {
                        ev.Produce(1, position);
                        result.Add(res);
                    }
                }
            }

            return result;
        }

        return null;
    }

    private object? EvalWildcard(object? input, int position)
    {
        var results = JList.Seq();
        if (input is JList { OuterWrapper: true } ow && ow.Count > 0)
        {
            input = ow[0];
        }

        if (input is JList il)
        {
            foreach (var v in il)
            {
                if (v is JList vl)
                {
                    Flatten(vl, results, position);
                }
                else if (v != null)
                {
                    Produce(1, position);
                    results.Add(v);
                }
            }
        }
        else if (input is JMap m)
        {
            foreach (var kv in m)
            {
                if (kv.Value is JList vl)
                {
                    Flatten(vl, results, position);
                }
                else
                {
                    Produce(1, position);
                    results.Add(kv.Value);
                }
            }
        }

        return results;
    }

    private void Flatten(JList l, JList into, int position)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();

        foreach (var v in l)
        {
            Tick(position);
            if (v is JList inner)
            {
                Flatten(inner, into, position);
            }
            else
            {
                Produce(1, position);
                into.Add(v);
            }
        }
    }

    private object? EvalDescendants(object? input, int position)
    {
        if (input == null)
        {
            return null;
        }

        var seq = JList.Seq();
        Recurse(input, seq);
        return seq.Count == 1 ? seq[0] : seq;

        void Recurse(object? v, JList into)
        {
            System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
            Tick(position);

            if (v is not JList)
            {
                Produce(1, position);
                into.Add(v);
            }

            if (v is JList l)
            {
                foreach (var x in l)
                {
                    Recurse(x, into);
                }
            }
            else if (v is JMap m)
            {
                foreach (var kv in m)
                {
                    Recurse(kv.Value, into);
                }
            }
        }
    }

    // ---------------------------------------------------------------- constructors

    private object? EvalArray(Node expr, object? input, Frame env)
    {
        var result = new JList();
        foreach (var item in expr.Items!)
        {
            var value = Eval(item, input, env);
            if (value != null)
            {
                if (item.Type == NodeType.ArrayCons)
                {
                    Produce(1, item.Position);
                    result.Add(value);
                }
                else if (value is JList vl)
                {
                    Produce(vl.Count, item.Position);
                    result.AddRange(vl);
                }
                else
                {
                    Produce(1, item.Position);
                    result.Add(value);
                }
            }
        }

        if (expr.ConsArray)
        {
            result.Cons = true;
        }

        return result;
    }

    /// <summary>Object constructor over a single (non-sequence) context item.</summary>
    private JMap EvalObject(List<(Node Key, Node Value)> pairs, object? input, Frame env)
    {
        var n = pairs.Count;
        Span<int> owners = n <= 64 ? stackalloc int[n] : new int[n];
        var keys = n <= 8 ? null : new Dictionary<string, int>(n, StringComparer.Ordinal);
        var keyValues = new string?[n];
        for (var pi = 0; pi < n; pi++)
        {
            var keyNode = pairs[pi].Key;
            var key = keyNode.Type == NodeType.Literal ? keyNode.Literal : Eval(keyNode, input, env);
            owners[pi] = -1;
            if (key == null)
            {
                continue;
            }

            if (key is not string ks)
            {
                throw new MappingException("T1003", "Key in object structure must evaluate to a string; got: " + Functions.StringifyForError(key), keyNode.Position, null);
            }

            var dup = false;
            if (keys != null)
            {
                dup = !keys.TryAdd(ks, pi);
            }
            else
            {
                for (var j = 0; j < pi; j++)
                {
                    if (keyValues[j] != null && string.Equals(keyValues[j], ks, StringComparison.Ordinal))
                    {
                        dup = true;
                        break;
                    }
                }
            }

            if (dup)
            {
                throw new MappingException("D1009", "Multiple key definitions evaluate to same key: " + ks, keyNode.Position, ks);
            }

            keyValues[pi] = ks;
        }

        var result = new JMap(n);
        for (var pi = 0; pi < n; pi++)
        {
            if (keyValues[pi] is { } k)
            {
                var value = Eval(pairs[pi].Value, input, env);
                if (value != null)
                {
                    result[k] = value;
                }
            }
        }

        return result;
    }

    private object? EvalGroup(List<(Node Key, Node Value)> pairs, object? input, Frame env)
    {
        var result = new JMap();
        var groups = new Dictionary<string, (object? Data, int Index, bool Owned)>(StringComparer.Ordinal);
        var order = new List<string>();
        var reduce = input is JList { TupleStream: true };
        JList inList;
        if (input is JList l)
        {
            inList = l;
        }
        else
        {
            inList = JList.Seq(input);
        }

        if (inList.Count == 0)
        {
            if (reduce)
            {
                // as the reference: an empty tuple stream (bindings that matched nothing) groups to an empty object
                return result;
            }

            // otherwise a single undefined item, so that a literal object is still produced
            inList = new JList { null };
        }

        foreach (var item in inList)
        {
            var env2 = reduce ? FrameFromTuple(env, (TupleItem)item!) : env;
            for (var pi = 0; pi < pairs.Count; pi++)
            {
                var key = Eval(pairs[pi].Key, reduce ? ((TupleItem)item!).Value : item, env2);
                if (key == null)
                {
                    continue;
                }

                if (key is not string ks)
                {
                    throw new MappingException("T1003", "Key in object structure must evaluate to a string; got: " + Functions.StringifyForError(key), pairs[pi].Key.Position, null);
                }

                if (groups.TryGetValue(ks, out var entry))
                {
                    if (entry.Index != pi)
                    {
                        throw new MappingException("D1009", "Multiple key definitions evaluate to same key: " + ks, pairs[pi].Key.Position, ks);
                    }

                    var data = entry.Data;
                    var owned = entry.Owned;
                    AppendOwned(ref data, ref owned, item, pairs[pi].Key.Position);
                    groups[ks] = (data, pi, owned);
                }
                else
                {
                    Produce(1, pairs[pi].Key.Position);
                    groups[ks] = (item, pi, false);
                    order.Add(ks);
                }
            }
        }

        foreach (var key in order)
        {
            var entry = groups[key];
            var context = entry.Data;
            var env2 = env;
            if (reduce)
            {
                var tuple = ReduceTupleStream(entry.Data, pairs[entry.Index].Key.Position);
                context = tuple.Value;
                tuple.Value = null;
                env2 = FrameFromTuple(env, tuple);
            }

            var value = Eval(pairs[entry.Index].Value, context, env2);
            if (value != null)
            {
                result[key] = value;
            }
        }

        return result;
    }

    private TupleItem ReduceTupleStream(object? data, int position)
    {
        if (data is TupleItem t)
        {
            return new TupleItem(t);
        }

        var list = (JList)data!;
        var result = new TupleItem((TupleItem)list[0]!);
        var value = result.Value;
        var valueOwned = false;
        Dictionary<string, bool>? ownedVars = null;
        for (var i = 1; i < list.Count; i++)
        {
            var ti = (TupleItem)list[i]!;
            AppendOwned(ref value, ref valueOwned, ti.Value, position);
            foreach (var kv in ti.Vars)
            {
                result.Vars.TryGetValue(kv.Key, out var existing);
                ownedVars ??= new Dictionary<string, bool>(StringComparer.Ordinal);
                ownedVars.TryGetValue(kv.Key, out var owned);
                AppendOwned(ref existing, ref owned, kv.Value, position);
                ownedVars[kv.Key] = owned;
                result.Vars[kv.Key] = existing;
            }
        }

        result.Value = value;
        return result;
    }

    /// <summary>
    /// Appends (flattening arrays one level, as the reference's append helper) into an accumulator: the first append makes a new sequence (which
    /// <paramref name="owned"/> then marks as ours), later ones add to it in place instead of copying it again.
    /// </summary>
    private void AppendOwned(ref object? acc, ref bool owned, object? item, int position)
    {
        if (item == null)
        {
            return;
        }

        if (!owned || acc is not JList list)
        {
            if (acc == null)
            {
                Produce(1, position);
                acc = item;
                return;
            }

            list = new JList { Sequence = true };
            if (acc is JList al)
            {
                Produce(al.Count, position);
                list.AddRange(al);
            }
            else
            {
                Produce(1, position);
                list.Add(acc);
            }

            acc = list;
            owned = true;
        }

        if (item is JList il)
        {
            Produce(il.Count, position);
            list.AddRange(il);
        }
        else
        {
            Produce(1, position);
            list.Add(item);
        }
    }

    private object? EvalRange(Node expr, object? input, Frame env)
    {
        var lhs = Eval(expr.Lhs!, input, env);
        var rhs = Eval(expr.Rhs!, input, env);
        if (lhs != null && (lhs is not double ld || Math.Floor(ld) != ld))
        {
            throw new MappingException("T2003", "The left side of the range operator (..) must evaluate to an integer", expr.Position, null);
        }

        if (rhs != null && (rhs is not double rd || Math.Floor(rd) != rd))
        {
            throw new MappingException("T2004", "The right side of the range operator (..) must evaluate to an integer", expr.Position, null);
        }

        if (lhs == null || rhs == null)
        {
            return null;
        }

        var from = (double)lhs;
        var to = (double)rhs;
        if (from > to)
        {
            return JList.Seq();
        }

        var size = to - from + 1;
        if (size > 1e7)
        {
            throw new MappingException("D2014", "The size of the sequence allocated by the range operator (..) must not exceed 1e7.  Attempted to allocate " + size, expr.Position, null);
        }

        Produce((long)size, expr.Position);
        return JList.Range(from, (int)size);
    }

    // ---------------------------------------------------------------- sorting

    private JList EvalSort(Node step, JList input, Frame env)
    {
        var isTuple = input.TupleStream;
        var terms = step.Terms!;
        var n = input.Count;
        var keys = new object?[n][];
        for (var i = 0; i < n; i++)
        {
            var item = input[i];
            var context = item;
            var env2 = env;
            if (isTuple)
            {
                var t = (TupleItem)item!;
                context = t.Value;
                env2 = FrameFromTuple(env, t);
            }

            var k = new object?[terms.Count];
            for (var j = 0; j < terms.Count; j++)
            {
                k[j] = Eval(terms[j].Expression, context, env2);
            }

            keys[i] = k;
        }

        var idx = new int[n];
        for (var i = 0; i < n; i++)
        {
            idx[i] = i;
        }

        int Compare(int a, int b)
        {
            for (var j = 0; j < terms.Count; j++)
            {
                var aa = keys[a][j];
                var bb = keys[b][j];
                if (aa == null)
                {
                    if (bb == null)
                    {
                        continue;
                    }

                    return 1;
                }

                if (bb == null)
                {
                    return -1;
                }

                if (!(aa is double || aa is string) || !(bb is double || bb is string))
                {
                    throw new MappingException("T2008", "The expressions within an order-by clause must evaluate to numeric or string values", step.Position, null);
                }

                if (aa.GetType() != bb.GetType())
                {
                    throw new MappingException("T2007", "Type mismatch when comparing values " + Functions.StringifyForError(aa) + " and " + Functions.StringifyForError(bb) + " in order-by clause", step.Position, null);
                }

                int comp;
                if (aa is double da)
                {
                    comp = da.CompareTo((double)bb);
                }
                else
                {
                    comp = string.CompareOrdinal((string)aa, (string)bb);
                }

                if (comp == 0)
                {
                    continue;
                }

                comp = comp < 0 ? -1 : 1;
                return terms[j].Descending ? -comp : comp;
            }

            return 0;
        }

        MergeSort(idx, (a, b) =>
        {
            Tick(step.Position);
            return Compare(a, b);
        });
        Produce(n, step.Position);
        var result = new JList(n) { Sequence = true };
        result.TupleStream = isTuple;
        foreach (var i in idx)
        {
            result.Add(input[i]);
        }

        return result;
    }

    /// <summary>Stable merge sort (comparison errors propagate, as in the reference).</summary>
    public static void MergeSort<T>(T[] items, Func<T, T, int> compare)
    {
        if (items.Length < 2)
        {
            return;
        }

        var tmp = new T[items.Length];
        Sort(0, items.Length);

        void Sort(int lo, int hi)
        {
            if (hi - lo < 2)
            {
                return;
            }

            var mid = (lo + hi) / 2;
            Sort(lo, mid);
            Sort(mid, hi);
            int i = lo, j = mid, k = lo;
            while (i < mid && j < hi)
            {
                if (compare(items[i], items[j]) <= 0)
                {
                    tmp[k++] = items[i++];
                }
                else
                {
                    tmp[k++] = items[j++];
                }
            }

            while (i < mid)
            {
                tmp[k++] = items[i++];
            }

            while (j < hi)
            {
                tmp[k++] = items[j++];
            }

            Array.Copy(tmp, lo, items, lo, hi - lo);
        }
    }
}
