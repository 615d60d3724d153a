using Flows.Sdk.Credentials;
using Flows.Sdk.Flows;
using Newtonsoft.Json.Linq;
using Petstore.Component;

namespace PetstoreWebhook;

/// <summary>Creates the tutorial's credentials and flow, publishes and starts it, and prints how to call it.</summary>
internal static class TutorialSetup
{
    public static async Task<Flow> RunAsync(IServiceProvider services, string baseUrl, string managementKey, CancellationToken cancellationToken)
    {
        var credentials = services.GetRequiredService<ICredentialManager>();
        var flows = services.GetRequiredService<IFlowManager>();
        var configuration = services.GetRequiredService<IConfiguration>();

        var webhookCredential = await credentials.CreateAsync("Tutorial webhook (No Auth)", "webhook", new JObject { ["type"] = "none" }, cancellationToken);
        var petstoreCredential = await credentials.CreateAsync("Tutorial Petstore API key", PetstoreComponent.Id,
            new JObject { ["apiKey"] = configuration["Tutorial:PetstoreApiKey"] ?? "secret" }, cancellationToken);

        var flow = await flows.CreateAsync(new FlowDraft("Petstore tutorial: webhook to Create a Pet",
        [
            new StepDefinition
            {
                Id = "step_1",
                ComponentId = "webhook",
                Function = "receive",
                CredentialId = webhookCredential.Id,
                Sample = new SampleDefinition("json", """{"petname": "Gromit", "petstatus": "sold"}"""),
            },
            new StepDefinition
            {
                Id = "step_2",
                ComponentId = PetstoreComponent.Id,
                Function = "createPetWithPromise",
                CredentialId = petstoreCredential.Id,
                Mapping = new Dictionary<string, string> { ["name"] = "petname", ["status"] = "petstatus" },
            },
        ]), cancellationToken);
        await flows.PublishAsync(flow.Id, cancellationToken);
        flow = await flows.StartAsync(flow.Id, cancellationToken);

        Console.WriteLine($$"""

            Flows.Sdk Petstore tutorial is running.
              Flow:     {{flow.Id}} (version {{flow.LiveVersion}}, {{flow.State.ToString().ToLowerInvariant()}})
              Hook URL: {{baseUrl}}/hook/{{flow.Id}}

            Send it a pet:
              curl -X POST {{baseUrl}}/hook/{{flow.Id}} -H 'Content-Type: application/json' -d '{"petname": "Gromit", "petstatus": "sold"}'

            See the run log:
              curl -H 'Authorization: Bearer {{managementKey}}' {{baseUrl}}/api/flows/{{flow.Id}}/executions

            See the pets in the stand-in Petstore API:
              curl -H 'api-key: secret' '{{baseUrl}}/petstore/v2/pet/findByStatus?status=sold'

            """);
        return flow;
    }
}
