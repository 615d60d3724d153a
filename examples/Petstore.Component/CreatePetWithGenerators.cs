using System.Runtime.CompilerServices;
using Flows.Sdk.Components;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Petstore.Component;

/// <summary>"Create a Pet With Generators": the same logic as an async stream that emits its result.</summary>
public sealed class CreatePetWithGenerators(PetstoreClient client) : IStreamingFlowAction
{
    /// <inheritdoc />
    public async IAsyncEnumerable<JToken> ExecuteAsync(ActionContext context)
    {
        var (name, status) = Pet.Read(context);
        context.Logger.LogInformation("Creating pet {Name} with status {Status}", name, status);
        yield return await client.CreatePetAsync(Pet.ApiKey(context), name, status, context.CancellationToken).ConfigureAwait(false);
    }
}
