using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace Petstore.Component;

/// <summary>Reads and checks the pet the actions create.</summary>
internal static class Pet
{
    private static readonly string[] Statuses = ["available", "pending", "sold"];

    /// <summary>Reads name and status from the step's input; the status is lower-cased and must be a known one.</summary>
    public static (string Name, string Status) Read(ActionContext context)
    {
        var name = (string?)context.Input["name"];
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ArgumentException("The pet needs a name: input field 'name' is empty.");
        }

        var status = ((string?)context.Input["status"])?.Trim().ToLowerInvariant();
        if (status is null || !Statuses.Contains(status))
        {
            throw new ArgumentException(
                $"The pet status '{(string?)context.Input["status"]}' is not valid: it must be one of {string.Join(", ", Statuses)}.");
        }

        return (name, status);
    }

    public static string ApiKey(ActionContext context) =>
        (string?)context.Credential["apiKey"] ?? throw new InvalidOperationException("The step's Petstore credential has no API key.");
}
