using Flows.Sdk.Credentials;
using Flows.Sdk.Flows;
using Newtonsoft.Json.Linq;
using Petstore.Component;

namespace PetstoreWebhook;

/// <summary>
/// Creates the tutorial's credentials and flow, publishes and starts it, and prints how to call it. With a durable store the flow
/// survives restarts: it is created once, and found by its name afterwards.
/// </summary>
internal static class TutorialSetup
{
    public const string FlowName = "Petstore tutorial: webhook to Create a Pet";

    public static async Task<Flow> RunAsync(IServiceProvider services, string baseUrl, string managementKey, CancellationToken cancellationToken)
    {
        var flows = services.GetRequiredService<IFlowManager>();
        var existing = (await flows.ListAsync(cancellationToken)).FirstOrDefault(f => f.Draft.Name == FlowName);
        var flow = existing ?? await CreateAsync(services, flows, cancellationToken);
        Print(flow, baseUrl, managementKey, created: existing is null);
        return flow;
    }

    private static async Task<Flow> CreateAsync(IServiceProvider services, IFlowManager flows, CancellationToken cancellationToken)
    {
        var credentials = services.GetRequiredService<ICredentialManager>();
        var configuration = services.GetRequiredService<IConfiguration>();

        var webhookCredential = await credentials.CreateAsync("Tutorial webhook (No Auth)", "webhook", new JObject { ["type"] = "none" }, cancellationToken);
        var petstoreCredential = await credentials.CreateAsync("Tutorial Petstore API key", PetstoreComponent.Id,
            new JObject { ["apiKey"] = configuration["Tutorial:PetstoreApiKey"] ?? "secret" }, cancellationToken);

        var flow = await flows.CreateAsync(new FlowDraft(FlowName,
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
        return await flows.StartAsync(flow.Id, cancellationToken);
    }

    private static void Print(Flow flow, string baseUrl, string managementKey, bool created)
    {
        Console.WriteLine($$"""

            Flows.Sdk Petstore tutorial is running ({{(created ? "flow created" : "flow found in the store, not created again")}}).
              Flow:     {{flow.Id}} (version {{flow.LiveVersion}}, {{flow.State.ToString().ToLowerInvariant()}})
              Hook URL: {{baseUrl}}/hook/{{flow.Id}}

            Send it a pet:
              curl -X POST {{baseUrl}}/hook/{{flow.Id}} -H 'Content-Type: application/json' -d '{"petname": "Gromit", "petstatus": "sold"}'

            See the run log:
              curl -H 'Authorization: Bearer {{managementKey}}' {{baseUrl}}/api/flows/{{flow.Id}}/executions

            See the pets in the stand-in Petstore API:
              curl -H 'api-key: secret' '{{baseUrl}}/petstore/v2/pet/findByStatus?status=sold'

            """);
    }
}
