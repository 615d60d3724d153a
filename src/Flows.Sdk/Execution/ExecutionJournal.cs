using Flows.Sdk.Storage;

namespace Flows.Sdk.Execution;

/// <summary>
/// Read-modify-write of run log entries, one writer per execution at a time: branches of one execution (fan-out, rebounds)
/// may run on several workers and must not lose each other's step records.
/// </summary>
internal sealed class ExecutionJournal(IExecutionStore store)
{
    private readonly SemaphoreSlim[] _stripes = Enumerable.Range(0, 64).Select(_ => new SemaphoreSlim(1, 1)).ToArray();

    public IExecutionStore Store => store;

    public async ValueTask<FlowExecution> UpdateAsync(
        string executionId, Func<FlowExecution?, FlowExecution> change, CancellationToken cancellationToken)
    {
        var gate = _stripes[(StringComparer.Ordinal.GetHashCode(executionId) & int.MaxValue) % _stripes.Length];
        await gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var current = await store.GetAsync(executionId, cancellationToken).ConfigureAwait(false);
            var changed = change(current);
            await store.SaveAsync(changed, cancellationToken).ConfigureAwait(false);
            return changed;
        }
        finally
        {
            gate.Release();
        }
    }

    public ValueTask<FlowExecution> AppendStepAsync(string executionId, StepExecution step, CancellationToken cancellationToken) =>
        UpdateAsync(executionId, e => e! with { Steps = [.. e.Steps, step] }, cancellationToken);
}
