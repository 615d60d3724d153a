namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>Turns the raw operator tree into paths of annotated steps (and resolves the parent operator).</summary>
internal sealed class Rewriter
{
    private readonly List<Node> _ancestry = [];
    private int _ancestorLabel;
    private int _ancestorIndex;

    public Node Process(Node expr)
    {
        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        Node result;
        switch (expr.Type)
        {
            case NodeType.Binary when expr.Value == ".":
                {
                    var lstep = Process(expr.Lhs!);
                    if (lstep.Type == NodeType.Path)
                    {
                        result = lstep;
                    }
                    else
                    {
                        result = new Node(NodeType.Path, lstep.Position) { Items = [lstep] };
                    }

                    if (lstep.Type == NodeType.Parent)
                    {
                        result.SeekingParent = [lstep.ParentSlot!];
                    }

                    var rest = Process(expr.Rhs!);
                    if (rest.Type == NodeType.Path)
                    {
                        result.Items!.AddRange(rest.Items!);
                    }
                    else
                    {
                        if (rest.Predicates != null)
                        {
                            rest.Stages = rest.Predicates;
                            rest.Predicates = null;
                        }

                        result.Items!.Add(rest);
                    }

                    foreach (var step in result.Items!)
                    {
                        if (step.Type == NodeType.Literal)
                        {
                            if (step.Literal is string s && step.Value == "string")
                            {
                                step.Type = NodeType.Name;
                                step.Value = s;
                            }
                            else
                            {
                                throw new MappingException("S0213", "The literal value " + step.Value + " cannot be used as a step within a path expression", step.Position, step.Value);
                            }
                        }

                        if (step.KeepArray)
                        {
                            result.KeepSingletonArray = true;
                        }
                    }

                    var first = result.Items[0];
                    if (first.Type == NodeType.ArrayCons)
                    {
                        first.ConsArray = true;
                    }

                    var last = result.Items[^1];
                    if (last.Type == NodeType.ArrayCons)
                    {
                        last.ConsArray = true;
                    }

                    ResolveAncestry(result);
                    break;
                }

            case NodeType.Predicate:
                {
                    result = Process(expr.Lhs!);
                    var step = result;
                    var useStages = false;
                    if (result.Type == NodeType.Path)
                    {
                        step = result.Items![^1];
                        useStages = true;
                    }

                    if (step.Group != null)
                    {
                        throw new MappingException("S0209", "A predicate cannot follow a grouping expression in a step", expr.Position);
                    }

                    var predicate = Process(expr.Rhs!);
                    if (predicate.SeekingParent != null)
                    {
                        foreach (var slot in predicate.SeekingParent)
                        {
                            if (slot.Level == 1)
                            {
                                SeekParent(step, slot);
                            }
                            else
                            {
                                slot.Level--;
                            }
                        }

                        PushAncestry(step, predicate);
                    }

                    var filter = new Node(NodeType.Filter, expr.Position) { Lhs = predicate };
                    if (useStages)
                    {
                        (step.Stages ??= []).Add(filter);
                    }
                    else
                    {
                        (step.Predicates ??= []).Add(filter);
                    }

                    break;
                }

            case NodeType.GroupBy:
                {
                    result = Process(expr.Lhs!);
                    if (result.Group != null)
                    {
                        throw new MappingException("S0210", "Each step can only have one grouping expression", expr.Position);
                    }

                    var g = new GroupSpec { Position = expr.Position };
                    foreach (var (k, v) in expr.Pairs!)
                    {
                        g.Pairs.Add((Process(k), Process(v)));
                    }

                    result.Group = g;
                    break;
                }

            case NodeType.SortOp:
                {
                    result = Process(expr.Lhs!);
                    if (result.Type != NodeType.Path)
                    {
                        result = new Node(NodeType.Path, result.Position) { Items = [result] };
                    }

                    var sortStep = new Node(NodeType.Sort, expr.Position) { Terms = [] };
                    foreach (var term in expr.Terms!)
                    {
                        var e = Process(term.Expression);
                        PushAncestry(sortStep, e);
                        sortStep.Terms.Add(new SortTerm { Descending = term.Descending, Expression = e });
                    }

                    result.Items!.Add(sortStep);
                    ResolveAncestry(result);
                    break;
                }

            case NodeType.Bind:
                result = new Node(NodeType.Bind, expr.Position) { Lhs = expr.Lhs, Rhs = Process(expr.Rhs!) };
                PushAncestry(result, result.Rhs);
                break;
            case NodeType.Focus:
                {
                    result = Process(expr.Lhs!);
                    var step = result;
                    if (result.Type == NodeType.Path)
                    {
                        step = result.Items![^1];
                    }

                    if (step.Stages != null || step.Predicates != null)
                    {
                        throw new MappingException("S0215", "A context variable binding must precede any predicates on a step", expr.Position);
                    }

                    if (step.Type == NodeType.Sort)
                    {
                        throw new MappingException("S0216", "A context variable binding must precede the 'order-by' clause on a step", expr.Position);
                    }

                    if (expr.KeepArray)
                    {
                        step.KeepArray = true;
                    }

                    step.FocusVar = expr.Value;
                    step.Tuple = true;
                    break;
                }

            case NodeType.IndexBind:
                {
                    result = Process(expr.Lhs!);
                    Node step;
                    if (result.Type == NodeType.Path)
                    {
                        step = result.Items![^1];
                    }
                    else
                    {
                        step = result;
                        result = new Node(NodeType.Path, step.Position) { Items = [step] };
                        if (step.Predicates != null)
                        {
                            step.Stages = step.Predicates;
                            step.Predicates = null;
                        }
                    }

                    if (step.Stages == null)
                    {
                        step.IndexVar = expr.Value;
                    }
                    else
                    {
                        step.Stages.Add(new Node(NodeType.Index, expr.Position) { Value = expr.Value });
                    }

                    step.Tuple = true;
                    break;
                }

            case NodeType.Apply:
                result = new Node(NodeType.Apply, expr.Position) { Lhs = Process(expr.Lhs!), Rhs = Process(expr.Rhs!) };
                result.KeepArray = result.Lhs.KeepArray || result.Rhs.KeepArray;
                PushAncestry(result, result.Lhs);
                PushAncestry(result, result.Rhs);
                break;
            case NodeType.Binary:
            case NodeType.Range:
                result = new Node(expr.Type, expr.Position) { Value = expr.Value, Lhs = Process(expr.Lhs!), Rhs = Process(expr.Rhs!) };
                PushAncestry(result, result.Lhs);
                PushAncestry(result, result.Rhs);
                break;
            case NodeType.ArrayCons:
                result = new Node(NodeType.ArrayCons, expr.Position) { Items = [] };
                foreach (var item in expr.Items!)
                {
                    var v = Process(item);
                    PushAncestry(result, v);
                    result.Items.Add(v);
                }

                break;
            case NodeType.ObjectCons:
                result = new Node(NodeType.ObjectCons, expr.Position) { Pairs = [] };
                foreach (var (k, v) in expr.Pairs!)
                {
                    var pk = Process(k);
                    PushAncestry(result, pk);
                    var pv = Process(v);
                    PushAncestry(result, pv);
                    result.Pairs.Add((pk, pv));
                }

                break;
            case NodeType.Negate:
                {
                    var inner = Process(expr.Lhs!);
                    if (inner.Type == NodeType.Literal && inner.Literal is double d)
                    {
                        result = new Node(NodeType.Literal, expr.Position) { Literal = -d, Value = "-" + inner.Value };
                    }
                    else
                    {
                        result = new Node(NodeType.Negate, expr.Position) { Lhs = inner };
                        PushAncestry(result, inner);
                    }

                    break;
                }

            case NodeType.Call:
            case NodeType.Partial:
                result = new Node(expr.Type, expr.Position) { Items = [], Procedure = Process(expr.Procedure!) };
                foreach (var a in expr.Items!)
                {
                    var pa = Process(a);
                    PushAncestry(result, pa);
                    result.Items.Add(pa);
                }

                break;
            case NodeType.Lambda:
                {
                    result = new Node(NodeType.Lambda, expr.Position) { Params = expr.Params, Signature = expr.Signature };
                    var body = Process(expr.Body!);
                    result.Body = TailCallOptimize(body);
                    break;
                }

            case NodeType.Condition:
                result = new Node(NodeType.Condition, expr.Position) { Lhs = Process(expr.Lhs!), Then = Process(expr.Then!) };
                PushAncestry(result, result.Lhs);
                PushAncestry(result, result.Then);
                if (expr.Else != null)
                {
                    result.Else = Process(expr.Else);
                    PushAncestry(result, result.Else);
                }

                break;
            case NodeType.Transform:
                result = new Node(NodeType.Transform, expr.Position) { Pattern = Process(expr.Pattern!), Update = Process(expr.Update!) };
                if (expr.Delete != null)
                {
                    result.Delete = Process(expr.Delete);
                }

                break;
            case NodeType.Block:
                result = new Node(NodeType.Block, expr.Position) { Items = [] };
                foreach (var item in expr.Items!)
                {
                    var pi = Process(item);
                    PushAncestry(result, pi);
                    if (pi.ConsArray || (pi.Type == NodeType.Path && pi.Items![0].ConsArray))
                    {
                        result.ConsArray = true;
                    }

                    result.Items.Add(pi);
                }

                break;
            case NodeType.Name:
                result = new Node(NodeType.Path, expr.Position) { Items = [expr] };
                if (expr.KeepArray)
                {
                    result.KeepSingletonArray = true;
                }

                break;
            case NodeType.Parent:
                result = new Node(NodeType.Parent, expr.Position)
                {
                    ParentSlot = new Slot { Label = "!" + _ancestorLabel++, Level = 1, Index = _ancestorIndex++ },
                };
                _ancestry.Add(result);
                break;
            case NodeType.End:
                throw new MappingException("S0207", "Unexpected end of expression", expr.Position);
            default:
                result = expr;
                break;
        }

        if (expr.KeepArray)
        {
            result.KeepArray = true;
        }

        return result;
    }

    /// <summary>Marks nodes that allow evaluation shortcuts (run once, after the rewrite).</summary>
    public static void Finish(Node root) => Walk(root, static node =>
    {
        if (node.Type == NodeType.ObjectCons && node.Pairs!.Count > 0)
        {
            var keys = new string[node.Pairs.Count];
            var seen = new HashSet<string>(StringComparer.Ordinal);
            for (var i = 0; i < keys.Length; i++)
            {
                var k = node.Pairs[i].Key;
                if (k.Type != NodeType.Literal || k.Literal is not string ks || k.Predicates != null || k.Group != null || !seen.Add(ks))
                {
                    keys = null;
                    break;
                }

                keys[i] = ks;
            }

            node.ConstantKeys = keys;
        }

        if (node.Type == NodeType.Path && node.Items!.Count == 1)
        {
            var s = node.Items[0];
            node.IsSimpleName = s.Type == NodeType.Name && s.Stages == null && s.Predicates == null && s.Group == null
                && !s.Tuple && !s.KeepArray && s.FocusVar == null && s.IndexVar == null && s.Ancestor == null
                && !node.KeepSingletonArray && !node.KeepArray && node.Group == null && !node.Tuple && node.Predicates == null;
        }
    });

    /// <summary>
    /// Binds references to global functions (built-in or host supplied) at compile time, for every name that the
    /// expression itself never rebinds. Evaluation-time bindings still take precedence (see the evaluator).
    /// </summary>
    public static void ResolveGlobals(Node root, IReadOnlyDictionary<string, Fn> globals)
    {
        var bound = new HashSet<string>(StringComparer.Ordinal);
        Walk(root, node =>
        {
            if (node.Type == NodeType.Bind)
            {
                bound.Add(node.Lhs!.Value);
            }

            if (node.Params != null)
            {
                bound.UnionWith(node.Params);
            }

            if (node.FocusVar != null)
            {
                bound.Add(node.FocusVar);
            }

            if (node.IndexVar != null)
            {
                bound.Add(node.IndexVar);
            }

            if (node.Type == NodeType.Index)
            {
                bound.Add(node.Value);
            }
        });
        Walk(root, node =>
        {
            if (node.Type == NodeType.Variable && node.Value.Length > 0 && !bound.Contains(node.Value) && globals.TryGetValue(node.Value, out var fn))
            {
                node.ResolvedBuiltin = fn;
            }
        });
    }

    /// <summary>Visits every node of the tree, parents first.</summary>
    public static void Walk(Node? node, Action<Node> visit)
    {
        if (node == null)
        {
            return;
        }

        System.Runtime.CompilerServices.RuntimeHelpers.EnsureSufficientExecutionStack();
        visit(node);
        Walk(node.Lhs, visit);
        Walk(node.Rhs, visit);
        Walk(node.Then, visit);
        Walk(node.Else, visit);
        Walk(node.Procedure, visit);
        Walk(node.Body, visit);
        Walk(node.Pattern, visit);
        Walk(node.Update, visit);
        Walk(node.Delete, visit);
        if (node.Items != null)
        {
            foreach (var n in node.Items)
            {
                Walk(n, visit);
            }
        }

        if (node.Pairs != null)
        {
            foreach (var (k, v) in node.Pairs)
            {
                Walk(k, visit);
                Walk(v, visit);
            }
        }

        if (node.Group != null)
        {
            foreach (var (k, v) in node.Group.Pairs)
            {
                Walk(k, visit);
                Walk(v, visit);
            }
        }

        if (node.Terms != null)
        {
            foreach (var t in node.Terms)
            {
                Walk(t.Expression, visit);
            }
        }

        if (node.Stages != null)
        {
            foreach (var n in node.Stages)
            {
                Walk(n, visit);
            }
        }

        if (node.Predicates != null)
        {
            foreach (var n in node.Predicates)
            {
                Walk(n, visit);
            }
        }
    }

    private static Node TailCallOptimize(Node expr)
    {
        if (expr.Type == NodeType.Call && expr.Predicates == null && expr.Group == null)
        {
            return new Node(NodeType.Lambda, expr.Position) { Thunk = true, Params = [], Body = expr };
        }

        if (expr.Type == NodeType.Condition)
        {
            expr.Then = TailCallOptimize(expr.Then!);
            if (expr.Else != null)
            {
                expr.Else = TailCallOptimize(expr.Else);
            }

            return expr;
        }

        if (expr.Type == NodeType.Block && expr.Items!.Count > 0 && expr.Predicates == null && expr.Group == null)
        {
            expr.Items[^1] = TailCallOptimize(expr.Items[^1]);
        }

        return expr;
    }

    private Slot SeekParent(Node node, Slot slot)
    {
        switch (node.Type)
        {
            case NodeType.Name:
            case NodeType.Wildcard:
                slot.Level--;
                if (slot.Level == 0)
                {
                    if (node.Ancestor == null)
                    {
                        node.Ancestor = slot;
                    }
                    else
                    {
                        _ancestry[slot.Index].ParentSlot!.Label = node.Ancestor.Label;
                        node.Ancestor = slot;
                    }

                    node.Tuple = true;
                }

                break;
            case NodeType.Parent:
                slot.Level++;
                break;
            case NodeType.Block:
                if (node.Items!.Count > 0)
                {
                    node.Tuple = true;
                    slot = SeekParent(node.Items[^1], slot);
                }

                break;
            case NodeType.Path:
                {
                    node.Tuple = true;
                    var index = node.Items!.Count - 1;
                    slot = SeekParent(node.Items[index--], slot);
                    while (slot.Level > 0 && index >= 0)
                    {
                        slot = SeekParent(node.Items[index--], slot);
                    }

                    break;
                }

            default:
                throw new MappingException("S0217", "The object representing the 'parent' cannot be derived from this expression", node.Position, node.Type.ToString());
        }

        return slot;
    }

    private static void PushAncestry(Node result, Node value)
    {
        if (value.SeekingParent != null || value.Type == NodeType.Parent)
        {
            var slots = value.SeekingParent != null ? new List<Slot>(value.SeekingParent) : [];
            if (value.Type == NodeType.Parent)
            {
                slots.Add(value.ParentSlot!);
            }

            if (result.SeekingParent == null)
            {
                result.SeekingParent = slots;
            }
            else
            {
                result.SeekingParent.AddRange(slots);
            }
        }
    }

    private void ResolveAncestry(Node path)
    {
        var steps = path.Items!;
        var laststep = steps[^1];
        var slots = laststep.SeekingParent != null ? new List<Slot>(laststep.SeekingParent) : [];
        if (laststep.Type == NodeType.Parent)
        {
            slots.Add(laststep.ParentSlot!);
        }

        foreach (var s in slots)
        {
            var slot = s;
            var index = steps.Count - 2;
            while (slot.Level > 0)
            {
                if (index < 0)
                {
                    (path.SeekingParent ??= []).Add(slot);
                    break;
                }

                var step = steps[index--];
                while (index >= 0 && step.FocusVar != null && steps[index].FocusVar != null)
                {
                    step = steps[index--];
                }

                slot = SeekParent(step, slot);
            }
        }
    }
}
