using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Mapping;

/// <summary>
/// Compiles mapping expressions. A flow version compiles every expression once, at publish,
/// and evaluates the compiled form for each message.
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
}
