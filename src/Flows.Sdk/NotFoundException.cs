namespace Flows.Sdk;

/// <summary>
/// The base of the engine's "not found" errors: the thing a caller named by id does not exist. The managers throw its
/// subclasses (<see cref="Flows.FlowNotFoundException"/>, <see cref="Credentials.CredentialNotFoundException"/>,
/// <see cref="Execution.ExecutionNotFoundException"/>); an adapter answers any of them as <c>404 Not Found</c> by type, using
/// <see cref="Kind"/> and <see cref="Id"/> to say what was missing. It derives from <see cref="KeyNotFoundException"/>, so code
/// that caught that keeps working.
/// </summary>
public abstract class NotFoundException : KeyNotFoundException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="kind">What was looked up, in lower case words (for example <c>flow</c>).</param>
    /// <param name="id">The id that was looked up.</param>
    /// <param name="message">The message.</param>
    protected NotFoundException(string kind, string id, string message) : base(message)
    {
        Kind = kind;
        Id = id;
    }

    /// <summary>What was looked up, in lower case words: <c>flow</c>, <c>credential</c>, <c>execution</c>.</summary>
    public string Kind { get; }

    /// <summary>The id that was looked up.</summary>
    public string Id { get; }
}
