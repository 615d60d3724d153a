using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.AspNetCore;

/// <summary>The JSON form of the component list of <c>GET /api/components</c>, with its search.</summary>
internal static class ComponentsJson
{
    /// <summary>
    /// The component as JSON, or <see langword="null"/> when <paramref name="search"/> (case-insensitive, any part of an id,
    /// title, description or field) matches nothing of it. A component that matches by itself comes with all its triggers and
    /// actions; otherwise only with those that match.
    /// </summary>
    public static JObject? Describe(ComponentDescriptor component, string search)
    {
        var all = search.Length == 0 || Matches(search, component.Id, component.Title, component.Description)
            || component.CredentialFields.Any(f => Matches(search, f.Name, f.Label));
        var triggers = component.Triggers
            .Where(t => all || Matches(search, t.Name, t.Title, t.Description) || Fields(t.OutMetadata).Any(f => Matches(search, f)))
            .Select(t => new JObject
            {
                ["name"] = t.Name,
                ["title"] = t.Title,
                ["description"] = t.Description,
                ["outFields"] = t.OutMetadata is null ? new JArray() : FlowsJson.Fields(t.OutMetadata),
            }).ToArray();
        var actions = component.Actions
            .Where(a => all || Matches(search, a.Name, a.Title, a.Description) || Fields(a.InMetadata).Concat(Fields(a.OutMetadata)).Any(f => Matches(search, f)))
            .Select(a => new JObject
            {
                ["name"] = a.Name,
                ["title"] = a.Title,
                ["description"] = a.Description,
                ["inFields"] = InFields(a),
                ["outFields"] = a.OutMetadata is null ? new JArray() : FlowsJson.Fields(a.OutMetadata),
            }).ToArray();
        if (!all && triggers.Length == 0 && actions.Length == 0)
        {
            return null;
        }

        return new JObject
        {
            ["id"] = component.Id,
            ["title"] = component.Title,
            ["description"] = component.Description,
            ["credentialFields"] = new JArray(component.CredentialFields.Select(f => new JObject
            {
                ["name"] = f.Name,
                ["label"] = f.Label,
                ["required"] = f.Required,
                ["secret"] = f.Secret,
            })),
            ["triggers"] = new JArray(triggers),
            ["actions"] = new JArray(actions),
        };
    }

    /// <summary>An action's input fields (the top-level properties of its input schema): name, title, type, enum, required.</summary>
    private static JArray InFields(ActionDescriptor action)
    {
        var required = action.RequiredInputs;
        var fields = new JArray();
        if (action.InMetadata?["properties"] is JObject properties)
        {
            foreach (var property in properties.Properties())
            {
                var schema = property.Value as JObject;
                var field = new JObject
                {
                    ["name"] = property.Name,
                    ["title"] = (string?)schema?["title"] ?? property.Name,
                    ["type"] = schema?["type"]?.ToString(),
                    ["required"] = required.Contains(property.Name),
                };
                if (schema?["enum"] is JArray values)
                {
                    field["enum"] = values.DeepClone();
                }

                fields.Add(field);
            }
        }

        return fields;
    }

    private static IEnumerable<string> Fields(JObject? schema) =>
        schema?["properties"] is JObject properties ? properties.Properties().Select(p => p.Name) : [];

    private static bool Matches(string search, params string?[] texts) =>
        texts.Any(t => t is not null && t.Contains(search, StringComparison.OrdinalIgnoreCase));
}
