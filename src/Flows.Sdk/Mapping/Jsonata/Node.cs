using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

internal enum NodeType
{
    Path,
    Binary,
    Negate,
    ArrayCons,
    ObjectCons,
    Name,
    Literal,
    Wildcard,
    Descendant,
    Parent,
    Condition,
    Block,
    Bind,
    Regex,
    Call,
    Partial,
    Placeholder,
    Variable,
    Lambda,
    Apply,
    Transform,
    Sort,
    Filter,
    Index,
    Range,
    Focus,
    IndexBind,
    Predicate,
    GroupBy,
    SortOp,
    OperatorName,

    /// <summary>The end of the expression where an operand was expected (reported as S0207 after parsing).</summary>
    End,
}

internal sealed class Slot
{
    public string Label = string.Empty;
    public int Level;
    public int Index;
}

internal sealed class SortTerm
{
    public bool Descending;
    public Node Expression = null!;
}

internal sealed class GroupSpec
{
    public List<(Node Key, Node Value)> Pairs = [];
    public int Position;
}

/// <summary>An AST node. Mutated only while compiling; immutable afterwards.</summary>
internal sealed class Node
{
    public Node(NodeType type, int position)
    {
        Type = type;
        Position = position;
    }

    public NodeType Type;
    public int Position;

    /// <summary>Operator, name or variable name.</summary>
    public string Value = string.Empty;

    /// <summary>Literal value.</summary>
    public object? Literal;

    public Node? Lhs;
    public Node? Rhs;
    public Node? Then;
    public Node? Else;
    public List<Node>? Items;
    public List<(Node Key, Node Value)>? Pairs;
    public List<SortTerm>? Terms;

    // call / lambda
    public Node? Procedure;
    public List<string>? Params;
    public Signature? Signature;
    public Node? Body;
    public bool Thunk;
    public Fn? ResolvedBuiltin;

    // path / step annotations
    public List<Node>? Predicates;
    public List<Node>? Stages;
    public GroupSpec? Group;
    public string? FocusVar;
    public string? IndexVar;
    public Slot? Ancestor;
    public Slot? ParentSlot;
    public List<Slot>? SeekingParent;
    public bool Tuple;
    public bool KeepArray;
    public bool ConsArray;
    public bool KeepSingletonArray;

    /// <summary>A path of one plain name step (set by <see cref="Rewriter.Finish"/>).</summary>
    public bool IsSimpleName;

    // regex
    public Regex? Regex;

    // transform
    public Node? Pattern;
    public Node? Update;
    public Node? Delete;
}
