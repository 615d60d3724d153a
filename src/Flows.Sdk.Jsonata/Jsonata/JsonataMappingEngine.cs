using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping.Jsonata;

/// <summary>
/// A function supplied by the host application and callable from expressions as <c>$name(...)</c>.
/// Arguments arrive as tokens (<see langword="null"/> for undefined); return <see langword="null"/> for undefined.
/// Throw <see cref="MappingException"/> to fail with a code of your own; any other exception becomes a
/// <see cref="MappingException"/> with code <c>D3199</c> (the original as its inner exception).
/// </summary>
/// <param name="arguments">The evaluated arguments, after signature validation when a signature was given.</param>
/// <returns>The result, or <see langword="null"/> for undefined.</returns>
public delegate JToken? JsonataFunction(JToken?[] arguments);

/// <summary>Options for <see cref="JsonataMappingEngine"/>.</summary>
public sealed class JsonataOptions
{
    private readonly Dictionary<string, (JsonataFunction Function, string? Signature)> _functions = new(StringComparer.Ordinal);

    /// <summary>
    /// Maximum evaluation depth (nested evaluation steps, including function calls). Exceeding it raises
    /// a <see cref="MappingException"/> with code <c>U1001</c> (so does running short of thread stack, whatever the limit). Default 10000.
    /// </summary>
    public int MaxDepth { get; set; } = 10000;

    /// <summary>
    /// The wall-clock limit of one evaluation (default 5 s; <see langword="null"/> for none); exceeding it raises code <c>U1001</c>.
    /// <see cref="EvaluationLimits.TimeLimit"/> overrides it for one evaluation.
    /// </summary>
    public TimeSpan? TimeLimit { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>
    /// The most one evaluation may produce, counted in sequence items and string characters as they are produced
    /// (default 50,000,000; must be positive); exceeding it raises code <c>U1002</c>. <see cref="EvaluationLimits.MaxSize"/>
    /// overrides it for one evaluation. Sizes known up front (a range, <c>$pad</c>, <c>$join</c>, <c>&amp;</c>) are counted
    /// before anything is allocated.
    /// </summary>
    public long MaxEvaluationSize { get; set; } = 50_000_000;

    /// <summary>Match timeout for regular expressions. Default one second.</summary>
    public TimeSpan RegexTimeout { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>The registered host functions.</summary>
    internal IReadOnlyDictionary<string, (JsonataFunction Function, string? Signature)> Functions => _functions;

    /// <summary>
    /// Registers a host function callable as <c>$name(...)</c>. It replaces a built-in of the same name.
    /// </summary>
    /// <param name="name">The function name, with or without the leading <c>$</c>.</param>
    /// <param name="function">The implementation.</param>
    /// <param name="signature">An optional JSONata signature such as <c>&lt;s-n?:s&gt;</c> validating the arguments.</param>
    /// <returns>These options, for chaining.</returns>
    /// <exception cref="ArgumentException">The name is empty.</exception>
    /// <exception cref="MappingException">The signature is not valid (code <c>S0401</c> or <c>S0402</c>).</exception>
    public JsonataOptions RegisterFunction(string name, JsonataFunction function, string? signature = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(function);
        if (name.Length == 0 || name == "$")
        {
            throw new ArgumentException("The function name is empty.", nameof(name));
        }

        if (signature != null)
        {
            _ = Signature.Parse(signature, 0);
        }

        _functions[name.StartsWith('$') ? name[1..] : name] = (function, signature);
        return this;
    }
}

/// <summary>A JSONata 2.x mapping engine over Newtonsoft.Json tokens.</summary>
public sealed class JsonataMappingEngine : IMappingEngine
{
    private readonly JsonataOptions _options;
    private readonly Dictionary<string, Fn> _globals;

    /// <summary>Creates an engine with default options.</summary>
    public JsonataMappingEngine()
        : this(new JsonataOptions())
    {
    }

    /// <summary>Creates an engine with <paramref name="options"/>. The options are captured at construction.</summary>
    /// <param name="options">The options.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is zero or negative.</exception>
    public JsonataMappingEngine(JsonataOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.MaxDepth <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxDepth, "MaxDepth must be positive.");
        }

        if (options.TimeLimit is { } limit && limit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), limit, "TimeLimit must be positive when set.");
        }

        if (options.MaxEvaluationSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MaxEvaluationSize, "MaxEvaluationSize must be positive.");
        }

        if (options.RegexTimeout <= TimeSpan.Zero && options.RegexTimeout != System.Text.RegularExpressions.Regex.InfiniteMatchTimeout)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.RegexTimeout, "RegexTimeout must be positive (or Regex.InfiniteMatchTimeout).");
        }

        _options = new JsonataOptions
        {
            MaxDepth = options.MaxDepth,
            TimeLimit = options.TimeLimit,
            MaxEvaluationSize = options.MaxEvaluationSize,
            RegexTimeout = options.RegexTimeout,
        };
        _globals = new Dictionary<string, Fn>(Jsonata.Functions.Builtins, StringComparer.Ordinal);
        foreach (var kv in options.Functions)
        {
            _options.RegisterFunction(kv.Key, kv.Value.Function, kv.Value.Signature);
            _globals[kv.Key] = new HostFn(kv.Key, kv.Value.Function, kv.Value.Signature);
        }
    }

    /// <inheritdoc />
    public IMappingExpression Compile(string expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var ast = Parser.Parse(expression, _options.RegexTimeout);
        try
        {
            Rewriter.ResolveGlobals(ast, _globals);
        }
        catch (InsufficientExecutionStackException ex)
        {
            throw new MappingException("U1001", "Expression is nested too deeply", -1, null, ex);
        }

        return new JsonataExpression(expression, ast, _options, _globals);
    }

    /// <summary>Compiles and evaluates <paramref name="expression"/> once.</summary>
    /// <param name="expression">The JSONata expression.</param>
    /// <param name="input">The input document, or <see langword="null"/> for undefined.</param>
    /// <param name="bindings">Variable bindings, or <see langword="null"/>.</param>
    /// <returns>The result, or <see langword="null"/> when undefined.</returns>
    public JToken? Evaluate(string expression, JToken? input, IReadOnlyDictionary<string, JToken?>? bindings = null)
        => Compile(expression).Evaluate(input, bindings);
}

/// <summary>
/// A compiled JSONata expression: immutable, thread-safe. Evaluation throws <see cref="MappingException"/>
/// on failure and <see cref="OperationCanceledException"/> when the cancellation token fires.
/// </summary>
internal sealed class JsonataExpression : IMappingExpression
{
    private readonly Node _ast;
    private readonly JsonataOptions _options;
    private readonly IReadOnlyDictionary<string, Fn> _globals;

    /// <summary>
    /// For an object constructor with literal keys whose values are all plain field paths (<c>{"name": petname,
    /// "city": address.city}</c>): the keys and, per key, the field names of its path. Null for any other expression.
    /// </summary>
    private readonly (string Key, string[] Path)[]? _fieldCopy;

    /// <summary>Below this depth limit the shortcut is not taken, so that the limit applies exactly as it would.</summary>
    private const int FieldCopyMinDepth = 16;

    public JsonataExpression(string source, Node ast, JsonataOptions options, IReadOnlyDictionary<string, Fn> globals)
    {
        Source = source;
        _ast = ast;
        _options = options;
        _globals = globals;
        _fieldCopy = options.MaxDepth >= FieldCopyMinDepth ? FieldCopyPlan(ast) : null;
    }

    private static (string Key, string[] Path)[]? FieldCopyPlan(Node ast)
    {
        if (ast.Type != NodeType.ObjectCons || ast.ConstantKeys is not { } keys || ast.Predicates != null || ast.Group != null
            || ast.KeepArray || ast.Stages != null || ast.Tuple || ast.FocusVar != null || ast.IndexVar != null)
        {
            return null;
        }

        var plan = new (string Key, string[] Path)[keys.Length];
        for (var i = 0; i < keys.Length; i++)
        {
            var value = ast.Pairs![i].Value;
            string[] path;
            if (IsPlainName(value))
            {
                path = [value.Value];
            }
            else if (value.Type == NodeType.Path && value.Items is { Count: > 0 } steps && !value.KeepSingletonArray && !value.KeepArray
                && value.Group == null && !value.Tuple && value.Predicates == null && value.Stages == null && steps.TrueForAll(IsPlainName))
            {
                path = steps.ConvertAll(step => step.Value).ToArray();
            }
            else
            {
                return null;
            }

            plan[i] = (keys[i], path);
        }

        return plan;

        static bool IsPlainName(Node n) => n.Type == NodeType.Name && n.Stages == null && n.Predicates == null && n.Group == null
            && !n.Tuple && !n.KeepArray && !n.ConsArray && n.FocusVar == null && n.IndexVar == null && n.Ancestor == null
            && n.ParentSlot == null && n.SeekingParent == null;
    }

    /// <summary>
    /// The shortcut for <see cref="_fieldCopy"/> plans: builds the result object straight from the input's tokens when
    /// every path goes through objects only and ends at a string, number, boolean or null, at an array of those (or of
    /// such arrays), or is missing. Anything else (an array on the way, an object at the end, a date token, a number
    /// beyond 2^53) returns null and the expression is evaluated normally, so the result is always the evaluator's.
    /// An expression whose inputs miss the shortcut 16 times stops trying it.
    /// </summary>
    private static JObject? CopyFields((string Key, string[] Path)[] plan, JObject input)
    {
        var result = new JObject();
        foreach (var (key, path) in plan)
        {
            JToken? token = input;
            foreach (var name in path)
            {
                if (token is not JObject o)
                {
                    return null;
                }

                token = o.TryGetValue(name, out var next) ? next : null;
                if (token is null)
                {
                    break;
                }
            }

            if (token is null)
            {
                continue; // undefined: no property
            }

            JToken? copy = token is JArray array ? CopyArray(array) : token is JValue v ? CopyScalar(v) : null;
            if (copy is null)
            {
                return null;
            }

            result.Add(new JProperty(key, copy));
        }

        return result;
    }

    /// <summary>An array at the end of a path comes out as it is, its numbers as the evaluator writes them; null if it holds objects.</summary>
    private static JArray? CopyArray(JArray array)
    {
        var copy = new JArray();
        for (var item = array.First; item != null; item = item.Next)
        {
            JToken? element = item is JArray inner ? CopyArray(inner) : item is JValue v ? CopyScalar(v) : null;
            if (element is null)
            {
                return null;
            }

            copy.Add(element);
        }

        return copy;
    }

    /// <summary>A string, boolean, null or number (within 2^53) as the evaluator writes it; null for any other token.</summary>
    private static JValue? CopyScalar(JValue v) => v.Type switch
    {
        JTokenType.String => new JValue((string)v.Value!),
        JTokenType.Boolean => new JValue((bool)v.Value!),
        JTokenType.Null => JValue.CreateNull(),
        JTokenType.Integer when v.Value is long l && l is >= -MaxSafeInteger and <= MaxSafeInteger => new JValue(l),
        JTokenType.Integer when v.Value is int n => new JValue((long)n),
        JTokenType.Float when v.Value is double d => Values.NumberToken(d),
        _ => null,
    };

    private const long MaxSafeInteger = 9_007_199_254_740_992;

    private const int FieldCopyMaxMisses = 16;

    private int _fieldCopyMisses;

    public string Source { get; }

    internal Node Ast => _ast;

    public JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings = null, CancellationToken cancellationToken = default)
        => Evaluate(input, bindings, default, cancellationToken);

    public JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings, EvaluationLimits limits, CancellationToken cancellationToken)
    {
        if (limits.TimeLimit is { } timeLimit && timeLimit <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(limits), timeLimit, "EvaluationLimits.TimeLimit must be positive when set.");
        }

        if (limits.MaxSize is { } maxSize && maxSize <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(limits), maxSize, "EvaluationLimits.MaxSize must be positive when set.");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (_fieldCopy is { } plan && input is JObject inputObject && bindings is not { Count: > 0 }
            && _fieldCopyMisses < FieldCopyMaxMisses)
        {
            if (CopyFields(plan, inputObject) is { } copied)
            {
                return copied;
            }

            // inputs this expression sees do not suit the shortcut: after a few misses, stop trying it
            // (a benign race: a lost update only delays that)
            _fieldCopyMisses++;
        }

        var ev = new Evaluator(_options, _globals, limits, cancellationToken);
        var value = Values.FromToken(input);
        var env = new Frame(null);
        if (bindings is { Count: > 0 })
        {
            foreach (var kv in bindings)
            {
                var name = kv.Key.StartsWith('$') ? kv.Key[1..] : kv.Key;
                env.Bind(name, Values.FromToken(kv.Value));
                if (_globals.ContainsKey(name))
                {
                    // this binding hides a global function: look names up at run time
                    ev.BindingsShadowGlobals = true;
                }
            }
        }

        try
        {
            return Values.ToToken(EvaluateValue(ev, value, env), ev);
        }
        catch (InsufficientExecutionStackException ex)
        {
            throw new MappingException("U1001", "Stack overflow error: Check for non-terminating recursive function.  Consider rewriting as tail-recursive.", -1, null, ex);
        }
        catch (System.Text.RegularExpressions.RegexMatchTimeoutException ex)
        {
            throw new MappingException(
                "U1001",
                "A regular expression match exceeded its time limit of " + Evaluator.FormatDuration(_options.RegexTimeout) + " (JsonataOptions.RegexTimeout)",
                -1,
                null,
                ex);
        }
    }

    internal object? EvaluateValue(Evaluator ev, object? input, Frame env)
    {
        ev.RootInput = input;
        ev.RootFrame = env;
        if (input is JList l && !l.Sequence)
        {
            var wrapped = JList.Seq();
            wrapped.Add(l);
            wrapped.OuterWrapper = true;
            input = wrapped;
        }

        var result = ev.Eval(_ast, input, env);
        if (result is JList { Sequence: true } rs)
        {
            // sequences escaping to the caller behave as arrays
            rs.Sequence = false;
        }

        return result;
    }
}
