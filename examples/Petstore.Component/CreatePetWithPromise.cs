using Flows.Sdk.Components;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Petstore.Component;

/// <summary>"Create a Pet With Promise": a plain async method; what it returns is the step's output.</summary>
public sealed class CreatePetWithPromise(PetstoreClient client) : IFlowAction
{
    /// <inheritdoc />
    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        var (name, status) = Pet.Read(context);
        context.Logger.LogInformation("Creating pet {Name} with status {Status}", name, status);
        return await client.CreatePetAsync(Pet.ApiKey(context), name, status, context.CancellationToken).ConfigureAwait(false);
    }
}
