using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace Petstore.Component;

/// <summary>
/// The Petstore API component: a credential with the API key, and the actions "Create a Pet With Promise" and
/// "Create a Pet With Generators". Written as any user writes a custom action component.
/// </summary>
public sealed class PetstoreComponent(PetstoreClient client) : IComponent
{
    /// <summary>The component's id in flow steps.</summary>
    public const string Id = "petstore";

    private static readonly JObject PetInput = JObject.Parse("""
        {
          "type": "object",
          "properties": {
            "name": { "type": "string", "title": "Pet name" },
            "status": { "type": "string", "title": "Pet status", "description": "available, pending or sold (any case)" }
          },
          "required": ["name", "status"]
        }
        """);

    private static readonly JObject PetOutput = JObject.Parse("""
        {
          "type": "object",
          "properties": {
            "id": { "type": "integer", "title": "Pet id" },
            "name": { "type": "string", "title": "Pet name" },
            "status": { "type": "string", "title": "Pet status" }
          }
        }
        """);

    /// <inheritdoc />
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Title = "Petstore API",
        Description = "Creates pets in the Petstore API.",
        CredentialFields = [new("apiKey", "API key") { Required = true, Secret = true }],
        Actions =
        [
            ActionDescriptor.For<CreatePetWithPromise>("createPetWithPromise", "Create a Pet With Promise") with
            {
                Description = "Creates a pet; written as a plain async method.",
                InMetadata = PetInput,
                OutMetadata = PetOutput,
            },
            ActionDescriptor.For<CreatePetWithGenerators>("createPetWithGenerators", "Create a Pet With Generators") with
            {
                Description = "Creates a pet; written as an async stream that emits the result.",
                InMetadata = PetInput,
                OutMetadata = PetOutput,
            },
        ],
    };

    /// <inheritdoc />
    public async ValueTask<CredentialVerificationResult> VerifyCredentialAsync(JObject fields, CancellationToken cancellationToken)
    {
        if (fields["apiKey"] is not JValue { Type: JTokenType.String } apiKey || string.IsNullOrEmpty((string?)apiKey))
        {
            return CredentialVerificationResult.Failed("The credential has no API key.");
        }

        var (ok, reason) = await client.CheckApiKeyAsync((string)apiKey!, cancellationToken).ConfigureAwait(false);
        return ok ? CredentialVerificationResult.Success : CredentialVerificationResult.Failed(reason!);
    }
}
