namespace Flows.Sdk;

/// <summary>
/// The base of the engine's "conflict" errors: the request is well formed but does not fit the current state of what it
/// names (starting a flow never published, retrying an execution that has not failed). The managers throw its subclasses
/// (<see cref="Flows.FlowStateException"/>, <see cref="Execution.ExecutionStateException"/>); an adapter answers any of them as
/// <c>409 Conflict</c> by type, with <see cref="Exception.Message"/> as the detail (it never holds a secret). It derives from
/// <see cref="InvalidOperationException"/>, so code that caught that keeps working.
/// </summary>
public abstract class ConflictException : InvalidOperationException
{
    /// <summary>Creates the exception.</summary>
    /// <param name="message">What does not fit, for the caller.</param>
    protected ConflictException(string message) : base(message)
    {
    }
}
