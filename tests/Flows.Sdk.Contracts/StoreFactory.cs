using Flows.Sdk.Execution;
using Flows.Sdk.Storage;

namespace Flows.Sdk.Contracts;

/// <summary>A set of stores and a queue over one backing storage, for the contract tests.</summary>
public abstract class StoreFactory : IAsyncDisposable
{
    public abstract IFlowStore Flows { get; }

    public abstract ICredentialStore Credentials { get; }

    public abstract IExecutionStore Executions { get; }

    public abstract ISnapshotStore Snapshots { get; }

    public abstract IFlowQueue Queue { get; }

    public abstract ValueTask DisposeAsync();
}
