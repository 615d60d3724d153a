using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Flows.Sdk.PostgreSql;

/// <summary>
/// Migrates the schema and checks the key when the host starts, so a wrong key or a schema newer than the package fails the
/// start, not the first request; then starts the flow-state feed's listener. A database that cannot be reached does not
/// stop the host: every operation tries again and is answered <c>503</c> until it can.
/// </summary>
internal sealed class PostgreSqlStartup(PostgreSqlDatabase database, IFlowStateFeed feed, ILogger<PostgreSqlStartup> logger) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        try
        {
            await database.EnsureInitializedAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (StorageUnavailableException e)
        {
            Log.StartDeferred(logger, e.Message);
        }

        (feed as PostgreSqlFlowStateFeed)?.EnsureListening();
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
