using Flows.Sdk.Mapping;

namespace Flows.Sdk.Flows;

/// <summary>
/// A step's mapping could not be compiled or applied. <see cref="Target"/> names where (<c>mapping.{field}</c>, <c>mapping</c> for
/// the whole-input expression, <c>input</c> for the mapped input as a whole); <see cref="Mapping"/> carries the engine's code
/// and position when an expression failed.
/// </summary>
public sealed class StepMappingException : Exception
{
    /// <summary>The <see cref="ErrorType"/> of an expression that does not compile or fails.</summary>
    public const string MappingError = "MappingError";

    /// <summary>The <see cref="ErrorType"/> of a mapped input that misses a required field or does not fit the input metadata.</summary>
    public const string InputValidationError = "InputValidationError";

    internal StepMappingException(string errorType, string target, string message, MappingException? mapping = null)
        : base(message, mapping)
    {
        ErrorType = errorType;
        Target = target;
        Errors = [this];
    }

    /// <summary>Several expressions did not compile: this is the first, <see cref="Errors"/> lists them all.</summary>
    internal StepMappingException(IReadOnlyList<StepMappingException> errors)
        : base(errors[0].Message, errors[0].InnerException)
    {
        ErrorType = errors[0].ErrorType;
        Target = errors[0].Target;
        Errors = errors;
    }

    /// <summary><see cref="MappingError"/> or <see cref="InputValidationError"/>.</summary>
    public string ErrorType { get; }

    /// <summary>Where the error is: <c>mapping.{field}</c>, <c>mapping</c> or <c>input</c>.</summary>
    public string Target { get; }

    /// <summary>The engine's error (code, position, token) when an expression failed; otherwise <see langword="null"/>.</summary>
    public MappingException? Mapping => InnerException as MappingException;

    /// <summary>Every error found: at compile time, one per expression that does not compile (this one first); otherwise this one only.</summary>
    public IReadOnlyList<StepMappingException> Errors { get; }
}
