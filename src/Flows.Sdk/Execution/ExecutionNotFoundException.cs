namespace Flows.Sdk.Execution;

/// <summary>No execution has the given id (it never existed, or the run log's retention dropped it).</summary>
public sealed class ExecutionNotFoundException : NotFoundException
{
    /// <summary>Creates the exception for <paramref name="executionId"/>.</summary>
    public ExecutionNotFoundException(string executionId)
        : base("execution", executionId, $"Execution '{executionId}' was not found.") => ExecutionId = executionId;

    /// <summary>The id that was looked up.</summary>
    public string ExecutionId { get; }
}
