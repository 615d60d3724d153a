using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping;

/// <summary>
/// Compiles mapping expressions once, to evaluate the compiled form many times (Flows.Sdk compiles a flow version's
/// expressions at publish and evaluates them for each message).
/// </summary>
public interface IMappingEngine
{
    /// <summary>Compiles <paramref name="expression"/>.</summary>
    /// <exception cref="MappingException">The expression is not valid; the exception carries the code and position.</exception>
    IMappingExpression Compile(string expression);
}

/// <summary>
/// A compiled mapping expression: immutable and safe to evaluate from many threads at once.
/// </summary>
public interface IMappingExpression
{
    /// <summary>The source text of the expression.</summary>
    string Source { get; }

    /// <summary>
    /// Evaluates the expression against <paramref name="input"/>.
    /// Returns <see langword="null"/> when the result is undefined; a JSON null is a <see cref="JValue"/> of type <see cref="JTokenType.Null"/>.
    /// </summary>
    /// <param name="input">The input document, or <see langword="null"/> for undefined input.</param>
    /// <param name="bindings">Variables bound for this evaluation (without the leading <c>$</c>), or <see langword="null"/>.</param>
    /// <param name="cancellationToken">Cancels a long evaluation.</param>
    /// <exception cref="MappingException">Evaluation failed; the exception carries the code and position.</exception>
    JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings = null, CancellationToken cancellationToken = default);

    /// <summary>
    /// Evaluates the expression against <paramref name="input"/> under <paramref name="limits"/>, which override the engine's
    /// defaults for this evaluation only.
    /// </summary>
    /// <param name="input">The input document, or <see langword="null"/> for undefined input.</param>
    /// <param name="bindings">Variables bound for this evaluation (without the leading <c>$</c>), or <see langword="null"/>.</param>
    /// <param name="limits">The time and size limits of this evaluation; an unset limit is the engine's default.</param>
    /// <param name="cancellationToken">Cancels the evaluation at once.</param>
    /// <returns>The result, or <see langword="null"/> when undefined.</returns>
    /// <exception cref="MappingException">
    /// Evaluation failed; the exception carries the code and position. Code <c>U1001</c> when the time limit ran out,
    /// <c>U1002</c> when the size limit did.
    /// </exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    /// <exception cref="ArgumentOutOfRangeException">A limit in <paramref name="limits"/> is zero or negative.</exception>
    JToken? Evaluate(JToken? input, IReadOnlyDictionary<string, JToken?>? bindings, EvaluationLimits limits, CancellationToken cancellationToken);
}

/// <summary>
/// Limits of one evaluation. A <see langword="null"/> limit means the engine's default
/// (for JSONata, <c>JsonataOptions.TimeLimit</c> and <c>JsonataOptions.MaxEvaluationSize</c>).
/// </summary>
/// <param name="TimeLimit">The longest the evaluation may run; overrunning it fails with code <c>U1001</c>.</param>
/// <param name="MaxSize">
/// The most the evaluation may produce, counted in sequence items and string characters as they are produced
/// (cumulatively: an item copied twice counts twice; reading the input counts nothing); overrunning it fails with code <c>U1002</c>.
/// </param>
public readonly record struct EvaluationLimits(TimeSpan? TimeLimit = null, long? MaxSize = null);
