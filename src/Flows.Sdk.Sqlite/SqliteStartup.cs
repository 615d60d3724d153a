using Flows.Sdk.Execution;
using Microsoft.Extensions.Hosting;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// Opens the database when the host starts, so a bad file or an unknown schema fails the start, not the first request; then
/// loads the messages left by the previous process. Both steps are also run lazily, once, by the first caller that needs them.
/// </summary>
internal sealed class SqliteStartup(SqliteDatabase database, IFlowQueue queue) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await database.EnsureInitializedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        if (queue is SqliteFlowQueue sqliteQueue)
        {
            await sqliteQueue.EnsureLoadedAsync().WaitAsync(cancellationToken).ConfigureAwait(false);
        }
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
