namespace Flows.Sdk.Execution;

/// <summary>The state of an execution or of one step of it.</summary>
public enum ExecutionStatus
{
    /// <summary>Still running.</summary>
    Running,

    /// <summary>Every step succeeded.</summary>
    Succeeded,

    /// <summary>A step failed; <see cref="StepExecution.Error"/> says why.</summary>
    Failed,

    /// <summary>A step asked for a rebound: the message waits to be run again.</summary>
    Rebounding,
}
