namespace Flows.Sdk.Execution;

/// <summary>
/// An operation does not fit the execution's current state: only a failed execution can be retried, and a retry the queue
/// cannot take now leaves the execution failed (try again later).
/// </summary>
public sealed class ExecutionStateException : ConflictException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="executionId">The execution's id.</param>
    /// <param name="message">What does not fit, for the caller.</param>
    public ExecutionStateException(string executionId, string message) : base(message) => ExecutionId = executionId;

    /// <summary>The execution's id.</summary>
    public string ExecutionId { get; }
}
