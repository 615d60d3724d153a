namespace Flows.Sdk.Mapping;

/// <summary>
/// A mapping expression failed to compile or to evaluate.
/// <see cref="Code"/> is the JSONata error code (for example <c>S0202</c> or <c>T2001</c>).
/// </summary>
public sealed class MappingException : Exception
{
    /// <summary>Creates the exception.</summary>
    /// <param name="code">The error code, such as <c>S0202</c>.</param>
    /// <param name="message">What went wrong, for a person.</param>
    /// <param name="position">The character position in the expression, or -1 when unknown.</param>
    /// <param name="token">The token the error is about, when there is one.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public MappingException(string code, string message, int position = -1, string? token = null, Exception? innerException = null)
        : base(message, innerException)
    {
        Code = code;
        Position = position;
        Token = token;
    }

    /// <summary>The error code, such as <c>S0202</c>.</summary>
    public string Code { get; }

    /// <summary>The character position in the expression, or -1 when unknown.</summary>
    public int Position { get; }

    /// <summary>The token the error is about, when there is one.</summary>
    public string? Token { get; }
}
