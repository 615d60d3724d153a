using System.Text.RegularExpressions;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>
/// Node kinds. The parser produces the raw operator forms (<see cref="Focus"/>, <see cref="IndexBind"/>,
/// <see cref="Predicate"/>, <see cref="GroupBy"/>, <see cref="SortOp"/>, binary '.'); the <see cref="Rewriter"/>
/// turns them into <see cref="Path"/> nodes whose steps carry stages, bindings and groupings.
/// </summary>
internal enum NodeType
{
    /// <summary>A path: <see cref="Node.Items"/> are the steps.</summary>
    Path,

    /// <summary>A binary operator in <see cref="Node.Value"/> (arithmetic, comparison, boolean, <c>&amp;</c>, <c>in</c>, <c>??</c>, <c>?:</c>).</summary>
    Binary,

    /// <summary>Unary minus.</summary>
    Negate,

    /// <summary>Array constructor <c>[...]</c>.</summary>
    ArrayCons,

    /// <summary>Object constructor <c>{k: v, ...}</c>.</summary>
    ObjectCons,

    /// <summary>A field name.</summary>
    Name,

    /// <summary>A string, number, boolean or null literal.</summary>
    Literal,

    /// <summary><c>*</c></summary>
    Wildcard,

    /// <summary><c>**</c></summary>
    Descendant,

    /// <summary><c>%</c></summary>
    Parent,

    /// <summary><c>cond ? then : else</c></summary>
    Condition,

    /// <summary><c>(a; b; c)</c></summary>
    Block,

    /// <summary><c>$x := value</c></summary>
    Bind,

    /// <summary>A regex literal.</summary>
    Regex,

    /// <summary>A function call.</summary>
    Call,

    /// <summary>A call with <c>?</c> placeholders (partial application).</summary>
    Partial,

    /// <summary>The <c>?</c> argument of a partial application.</summary>
    Placeholder,

    /// <summary><c>$name</c>, <c>$</c> or <c>$$</c>.</summary>
    Variable,

    /// <summary>A function definition, or (with <see cref="Node.Thunk"/>) a deferred tail call.</summary>
    Lambda,

    /// <summary><c>~&gt;</c></summary>
    Apply,

    /// <summary><c>| pattern | update, delete |</c></summary>
    Transform,

    /// <summary>An order-by step of a path.</summary>
    Sort,

    /// <summary>A predicate stage of a step.</summary>
    Filter,

    /// <summary>A positional binding stage (<c>#$i</c> after a predicate).</summary>
    Index,

    /// <summary><c>a..b</c> inside an array constructor.</summary>
    Range,

    /// <summary>Raw <c>@$var</c>.</summary>
    Focus,

    /// <summary>Raw <c>#$var</c>.</summary>
    IndexBind,

    /// <summary>Raw <c>expr[predicate]</c>.</summary>
    Predicate,

    /// <summary>Raw <c>expr{group}</c>.</summary>
    GroupBy,

    /// <summary>Raw <c>expr^(terms)</c>.</summary>
    SortOp,

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

    /// <summary>Object constructor whose keys are distinct string literals (set by <see cref="Rewriter.Finish"/>).</summary>
    public string[]? ConstantKeys;

    /// <summary>A path of one plain name step (set by <see cref="Rewriter.Finish"/>).</summary>
    public bool IsSimpleName;

    // regex
    public Regex? Regex;

    // transform
    public Node? Pattern;
    public Node? Update;
    public Node? Delete;
}
