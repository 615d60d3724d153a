using System.Globalization;
using Flows.Sdk.Components;
using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Samples;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk;

/// <summary>
/// The one public JSON form of credentials, flows, drafts, versions and executions: camelCase names, states and statuses in
/// lower case, times in ISO 8601 (UTC). The management API writes and reads it; an adapter or a store uses it to show the same
/// shapes (a credential only ever with its redacted fields).
/// </summary>
public static class FlowsJson
{
    /// <summary>A credential, with the fields <see cref="ICredentialManager.Redact"/> gave (never its secrets).</summary>
    /// <param name="credential">The credential.</param>
    /// <param name="redactedFields">Its fields with the secrets redacted.</param>
    public static JObject Credential(Credential credential, JObject redactedFields) => new()
    {
        ["id"] = credential.Id,
        ["name"] = credential.Name,
        ["componentId"] = credential.ComponentId,
        ["fields"] = redactedFields,
        ["createdAt"] = Time(credential.CreatedAt),
    };

    /// <summary>A flow: its state, versions, hook URL (when running) and draft, with each step's fields for mapping.</summary>
    /// <param name="flow">The flow.</param>
    /// <param name="hookPath">Where the host serves hooks (for example <c>/hook</c>), or <see langword="null"/> for no hook URL.</param>
    /// <param name="components">The host's components, for the fields each step offers to the next steps' mappings.</param>
    public static JObject Flow(Flow flow, string? hookPath, IComponentCatalog components) => new()
    {
        ["id"] = flow.Id,
        ["name"] = flow.Draft.Name,
        ["state"] = flow.State.ToString().ToLowerInvariant(),
        ["latestVersion"] = flow.LatestVersion is { } latest ? latest : null,
        ["liveVersion"] = flow.LiveVersion is { } live ? live : null,
        ["hookUrl"] = flow.State == FlowState.Running && hookPath is not null ? $"{hookPath}/{flow.Id}" : null,
        ["draft"] = Draft(flow.Draft, components),
        ["createdAt"] = Time(flow.CreatedAt),
        ["updatedAt"] = Time(flow.UpdatedAt),
    };

    /// <summary>A draft (or a version's definition): its name and steps.</summary>
    /// <param name="draft">The draft.</param>
    /// <param name="components">With it, each step also lists the fields it offers to the next steps' mappings.</param>
    public static JObject Draft(FlowDraft draft, IComponentCatalog? components = null) => new()
    {
        ["name"] = draft.Name,
        ["steps"] = new JArray(draft.Steps.Select(s => Step(s, components))),
    };

    /// <summary>A step; with <paramref name="components"/>, also the fields it offers to the next steps' mappings.</summary>
    /// <param name="step">The step.</param>
    /// <param name="components">The host's components, or <see langword="null"/>.</param>
    public static JObject Step(StepDefinition step, IComponentCatalog? components = null)
    {
        var json = new JObject
        {
            ["id"] = step.Id,
            ["componentId"] = step.ComponentId,
            ["function"] = step.Function,
        };
        if (step.Name is not null)
        {
            json["name"] = step.Name;
        }

        if (step.Note is not null)
        {
            json["note"] = step.Note;
        }

        if (step.CredentialId is not null)
        {
            json["credentialId"] = step.CredentialId;
        }

        if (step.Sample is { } sample)
        {
            json["sample"] = new JObject
            {
                ["format"] = sample.Format,
                ["data"] = sample.Data,
                ["sample"] = sample.Sample?.DeepClone(),
                ["schema"] = sample.Schema?.DeepClone(),
            };
        }

        if (step.MappingExpression is not null)
        {
            json["mapping"] = step.MappingExpression;
        }
        else if (step.Mapping is not null)
        {
            json["mapping"] = new JObject(step.Mapping.Select(m => new JProperty(m.Key, m.Value)));
        }

        if (step.MappingTimeLimitSeconds is { } mappingTimeLimit)
        {
            json["mappingTimeLimitSeconds"] = mappingTimeLimit;
        }

        if (step.Configuration is not null)
        {
            json["configuration"] = step.Configuration.DeepClone();
        }

        if (step.InMetadata is not null)
        {
            json["inMetadata"] = step.InMetadata.DeepClone();
        }

        if (step.OutMetadata is not null)
        {
            json["outMetadata"] = step.OutMetadata.DeepClone();
        }

        if (components is not null)
        {
            var schema = step.Sample?.Schema ?? step.OutMetadata ?? components.Find(step.ComponentId)?.Descriptor.FindAction(step.Function)?.OutMetadata;
            json["fields"] = schema is null ? new JArray() : Fields(schema);
        }

        return json;
    }

    /// <summary>The fields a schema offers to mappings, flat, for a mapping UI's drop-downs.</summary>
    /// <param name="schema">A JSON Schema.</param>
    public static JArray Fields(JObject schema) =>
        new(SchemaFields.Flatten(schema).Select(f => new JObject { ["path"] = f.Path, ["type"] = f.Type, ["title"] = f.Title }));

    /// <summary>A published version: flow id, number, time and definition.</summary>
    /// <param name="version">The version.</param>
    public static JObject Version(FlowVersion version) => new()
    {
        ["flowId"] = version.FlowId,
        ["version"] = version.Number,
        ["publishedAt"] = Time(version.PublishedAt),
        ["definition"] = Draft(version.Definition),
    };

    /// <summary>An execution as listed in the run log: ids, status, times, without its steps.</summary>
    /// <param name="execution">The execution.</param>
    public static JObject ExecutionSummary(FlowExecution execution) => new()
    {
        ["id"] = execution.Id,
        ["flowId"] = execution.FlowId,
        ["flowVersion"] = execution.FlowVersion,
        ["status"] = Status(execution.Status),
        ["requestId"] = execution.RequestId,
        ["startedAt"] = Time(execution.StartedAt),
        ["finishedAt"] = execution.FinishedAt is { } finished ? Time(finished) : null,
    };

    /// <summary>An execution in full: the summary with every step attempt.</summary>
    /// <param name="execution">The execution.</param>
    public static JObject Execution(FlowExecution execution)
    {
        var json = ExecutionSummary(execution);
        json["messageId"] = execution.MessageId;
        json["pendingRebounds"] = execution.PendingRebounds;
        json["deliveryCount"] = execution.DeliveryCount;
        if (execution.Failure is { } failure)
        {
            json["failedStepId"] = failure.StepId;
        }

        json["steps"] = new JArray(execution.Steps.Select(s => new JObject
        {
            ["stepId"] = s.StepId,
            ["attempt"] = s.Attempt,
            ["status"] = Status(s.Status),
            ["input"] = s.Input?.DeepClone(),
            ["output"] = s.Output?.DeepClone(),
            ["error"] = s.Error is null ? null : new JObject { ["type"] = s.Error.Type, ["message"] = s.Error.Message },
            ["startedAt"] = Time(s.StartedAt),
            ["durationMs"] = Math.Round(s.Duration.TotalMilliseconds, 3),
        }));
        return json;
    }

    /// <summary>Validation errors, each with its step, field and message.</summary>
    /// <param name="errors">The errors.</param>
    public static JArray Errors(IEnumerable<FlowValidationError> errors) =>
        new(errors.Select(e => new JObject { ["stepId"] = e.StepId, ["field"] = e.Field, ["message"] = e.Message }));

    /// <summary>An execution status as written: <c>running</c>, <c>succeeded</c>, <c>failed</c>.</summary>
    /// <param name="status">The status.</param>
    public static string Status(ExecutionStatus status) => status.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    /// <summary>Reads a draft from its JSON form, collecting every shape error with its JSON path.</summary>
    /// <param name="body">The draft's JSON form (<c>name</c>, <c>steps</c>).</param>
    /// <param name="errors">Receives the shape errors, each naming its field (such as <c>steps[0].componentId</c>).</param>
    /// <returns>The draft, or <see langword="null"/> when <paramref name="errors"/> got at least one error.</returns>
    public static FlowDraft? ReadDraft(JObject body, ICollection<FlowValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(errors);
        var before = errors.Count;
        var name = ReadString(body, "name", "name", errors, required: true);
        if (body["steps"] is not JArray steps)
        {
            errors.Add(new(null, "steps", "'steps' is required and must be an array."));
            return null;
        }

        var result = new List<StepDefinition>(steps.Count);
        for (var i = 0; i < steps.Count; i++)
        {
            var path = $"steps[{i}]";
            if (steps[i] is not JObject step)
            {
                errors.Add(new(null, path, "A step must be an object."));
                continue;
            }

            var id = ReadString(step, "id", $"{path}.id", errors, required: true);
            var componentId = ReadString(step, "componentId", $"{path}.componentId", errors, required: true);
            var function = ReadString(step, "function", $"{path}.function", errors, required: true);
            var credentialId = ReadString(step, "credentialId", $"{path}.credentialId", errors, required: false);
            var stepName = ReadString(step, "name", $"{path}.name", errors, required: false);
            var note = ReadString(step, "note", $"{path}.note", errors, required: false);
            SampleDefinition? sample = null;
            if (step["sample"] is JObject sampleJson)
            {
                var format = ReadString(sampleJson, "format", $"{path}.sample.format", errors, required: true);
                var data = ReadString(sampleJson, "data", $"{path}.sample.data", errors, required: true);
                if (format is not null && data is not null)
                {
                    sample = new SampleDefinition(format, data);
                }
            }
            else if (step["sample"] is { Type: not JTokenType.Null })
            {
                errors.Add(new(id, $"{path}.sample", "'sample' must be an object {\"format\", \"data\"}."));
            }

            Dictionary<string, string>? mapping = null;
            string? mappingExpression = null;
            if (step["mapping"] is JValue { Type: JTokenType.String } wholeMapping)
            {
                mappingExpression = (string)wholeMapping!;
            }
            else if (step["mapping"] is JObject mappingJson)
            {
                mapping = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in mappingJson.Properties())
                {
                    if (property.Value is JValue { Type: JTokenType.String } expression)
                    {
                        mapping[property.Name] = (string)expression!;
                    }
                    else
                    {
                        errors.Add(new(id, $"{path}.mapping.{property.Name}", "A mapping expression must be a string."));
                    }
                }
            }
            else if (step["mapping"] is { Type: not JTokenType.Null })
            {
                errors.Add(new(id, $"{path}.mapping", "'mapping' must be an object of input field to expression, or one expression (a string) that gives the whole input."));
            }

            JObject? configuration = null;
            if (step["configuration"] is JObject configurationJson)
            {
                configuration = configurationJson;
            }
            else if (step["configuration"] is { Type: not JTokenType.Null })
            {
                errors.Add(new(id, $"{path}.configuration", "'configuration' must be an object."));
            }

            double? mappingTimeLimit = null;
            if (step["mappingTimeLimitSeconds"] is { Type: JTokenType.Integer or JTokenType.Float } limitJson)
            {
                // The range (more than 0, at most 300) is the flow manager's check, made wherever a draft is saved.
                mappingTimeLimit = (double)limitJson;
            }
            else if (step["mappingTimeLimitSeconds"] is { Type: not JTokenType.Null })
            {
                errors.Add(new(id, $"{path}.mappingTimeLimitSeconds", "'mappingTimeLimitSeconds' must be a number of seconds (more than 0, at most 300)."));
            }

            if (id is not null && componentId is not null && function is not null)
            {
                result.Add(new StepDefinition
                {
                    Id = id,
                    ComponentId = componentId,
                    Function = function,
                    Name = stepName,
                    Note = note,
                    CredentialId = credentialId,
                    Sample = sample,
                    Mapping = mapping,
                    MappingExpression = mappingExpression,
                    MappingTimeLimitSeconds = mappingTimeLimit,
                    Configuration = configuration,
                });
            }
        }

        return errors.Count == before ? new FlowDraft(name!, result) : null;
    }

    private static string? ReadString(JObject json, string property, string path, ICollection<FlowValidationError> errors, bool required)
    {
        var token = json[property];
        if (token is null || token.Type == JTokenType.Null)
        {
            if (required)
            {
                errors.Add(new(null, path, $"'{property}' is required."));
            }

            return null;
        }

        if (token.Type != JTokenType.String)
        {
            errors.Add(new(null, path, $"'{property}' must be a string."));
            return null;
        }

        return (string?)token;
    }
}
