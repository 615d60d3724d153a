namespace Flows.Sdk.Execution;

/// <summary>
/// Decides which flows may have a message started now: the workers' fair share, handed by the workers to
/// <see cref="IFlowQueue.DequeueAsync(IFlowAdmission, CancellationToken)"/>. A queue asks it about the flows that have ready
/// messages, in turn, and delivers a message only of a flow it admitted.
/// </summary>
public interface IFlowAdmission
{
    /// <summary>
    /// Whether a message of <paramref name="flowId"/> may start now. When it returns <see langword="true"/> the run slot is taken:
    /// the queue must deliver a message of that flow to the caller (so a queue asks only when it has one ready and can hand it
    /// over at once, atomically with the question).
    /// </summary>
    /// <param name="flowId">A flow with at least one ready message.</param>
    /// <param name="flowsWaiting">Every flow with ready messages in the queue right now, <paramref name="flowId"/> included.</param>
    bool TryAdmit(string flowId, IReadOnlyCollection<string> flowsWaiting);

    /// <summary>
    /// Registers <paramref name="changed"/>, called after a run slot was freed (a flow refused before may be admitted now),
    /// so that a queue waiting for an admissible message looks again. It is called outside any lock of the admission.
    /// </summary>
    /// <returns>Disposing it ends the registration.</returns>
    IDisposable OnSlotFreed(Action changed);
}
