using System.Globalization;
using Flows.Sdk.Components;
using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Samples;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk;

/// <summary>
/// The one public JSON form of credentials, flows, drafts, versions and executions: camelCase names, states and statuses in
/// lower case, times in ISO 8601 (UTC), durations in milliseconds. The management API writes it and reads drafts in it; every
/// store keeps its documents in it and reads them back with the <c>Read…</c> methods, so that what a store holds is what the API
/// shows.
/// </summary>
/// <remarks>
/// <para>
/// The API form of a document may carry decoration that only the API shows: a flow's <c>hookUrl</c> and each step's <c>fields</c>
/// (with an <see cref="IComponentCatalog"/>). The stored form is the same document without it: <see cref="Flow(Flows.Flow)"/>,
/// <see cref="Draft"/> and <see cref="Step"/> without components. The stored form of a flow adds its <c>revision</c>; the stored
/// header of an execution (<see cref="ExecutionHeader"/>) adds its <c>failure</c> (what a retry needs) and leaves its steps to
/// rows of their own (<see cref="StepExecution(Execution.StepExecution)"/>); a credential is stored without its fields
/// (<see cref="Credential(Credentials.Credential)"/>): its secrets are kept encrypted apart.
/// </para>
/// <para>
/// Times are written in UTC with seven decimals of a second and read with any offset: a time reads back as the same instant
/// (<see cref="DateTimeOffset"/> equality), its offset normalized to UTC. Durations keep their ticks (<c>durationMs</c> with four
/// decimals). The readers throw <see cref="InvalidDataException"/> naming the field (a JSON path) for bad or foreign JSON; they
/// take the document's objects (configurations, samples, payloads) as they are, without copying them: do not change the
/// <see cref="JObject"/> once read. Parse a stored text with <see cref="Parse"/>, so that dates inside payloads stay strings.
/// </para>
/// </remarks>
public static class FlowsJson
{
    private static readonly JsonLoadSettings LoadSettings = new() { CommentHandling = CommentHandling.Ignore, LineInfoHandling = LineInfoHandling.Ignore };

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

    /// <summary>
    /// A credential's stored form, its metadata only: id, name, component and creation time, never its fields (a store keeps
    /// those encrypted apart). <see cref="ReadCredential"/> reads it back.
    /// </summary>
    /// <param name="credential">The credential.</param>
    public static JObject Credential(Credential credential)
    {
        ArgumentNullException.ThrowIfNull(credential);
        return new()
        {
            ["id"] = credential.Id,
            ["name"] = credential.Name,
            ["componentId"] = credential.ComponentId,
            ["createdAt"] = Time(credential.CreatedAt),
        };
    }

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

    /// <summary>
    /// A flow's stored form: the API's document without its decoration (no <c>hookUrl</c>, no step <c>fields</c>), with the
    /// flow's <c>revision</c>. <see cref="ReadFlow"/> reads it back.
    /// </summary>
    /// <param name="flow">The flow.</param>
    public static JObject Flow(Flow flow)
    {
        ArgumentNullException.ThrowIfNull(flow);
        return new()
        {
            ["id"] = flow.Id,
            ["name"] = flow.Draft.Name,
            ["state"] = flow.State.ToString().ToLowerInvariant(),
            ["latestVersion"] = flow.LatestVersion is { } latest ? latest : null,
            ["liveVersion"] = flow.LiveVersion is { } live ? live : null,
            ["draft"] = Draft(flow.Draft),
            ["createdAt"] = Time(flow.CreatedAt),
            ["updatedAt"] = Time(flow.UpdatedAt),
            ["revision"] = flow.Revision,
        };
    }

    /// <summary>A draft (or a version's definition): its name and steps.</summary>
    /// <param name="draft">The draft.</param>
    /// <param name="components">With it, each step also lists the fields it offers to the next steps' mappings (API decoration).</param>
    public static JObject Draft(FlowDraft draft, IComponentCatalog? components = null) => new()
    {
        ["name"] = draft.Name,
        ["steps"] = new JArray(draft.Steps.Select(s => Step(s, components))),
    };

    /// <summary>
    /// A step, every field of it (its sample with the parsed sample and schema, its mapping, limits, configuration and computed
    /// metadata); with <paramref name="components"/>, also the fields it offers to the next steps' mappings (API decoration).
    /// </summary>
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
            var schema = StepMapping.OutputSchemaOf(step, components.Find(step.ComponentId)?.Descriptor.FindAction(step.Function));
            json["fields"] = schema is null ? new JArray() : Fields(schema);
        }

        return json;
    }

    /// <summary>The fields a schema offers to mappings, flat, for a mapping UI's drop-downs.</summary>
    /// <param name="schema">A JSON Schema.</param>
    public static JArray Fields(JObject schema) =>
        new(SchemaFields.Flatten(schema).Select(f => new JObject { ["path"] = f.Path, ["type"] = f.Type, ["title"] = f.Title }));

    /// <summary>A published version: flow id, number, time and definition. The API and the stores use the same form.</summary>
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

    /// <summary>
    /// An execution in full, as the API shows it: the summary with its message id, rebounds, deliveries, the failed step's id
    /// and every step attempt (<see cref="StepExecution(Execution.StepExecution)"/>). Without the <c>failure</c> of
    /// <see cref="ExecutionHeader"/>, which only a retry needs.
    /// </summary>
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

        json["steps"] = new JArray(execution.Steps.Select(StepExecution));
        return json;
    }

    /// <summary>
    /// An execution's stored header: <see cref="Execution"/> without its steps (a store keeps each attempt as a document of
    /// its own, <see cref="StepExecution(Execution.StepExecution)"/>), with its <c>failure</c>: the failed step, the message
    /// it got, the outputs of the steps before it and the attempt (what a retry needs). <see cref="ReadExecution"/> reads it back.
    /// </summary>
    /// <param name="execution">The execution.</param>
    public static JObject ExecutionHeader(FlowExecution execution)
    {
        ArgumentNullException.ThrowIfNull(execution);
        using var writer = new JTokenWriter();
        WriteExecutionHeader(writer, execution);
        return (JObject)writer.Token!;
    }

    /// <summary>Writes <see cref="ExecutionHeader"/>'s document to <paramref name="writer"/> (for a store's hot path, without a tree).</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="execution">The execution.</param>
    public static void WriteExecutionHeader(JsonWriter writer, FlowExecution execution)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(execution);
        writer.WriteStartObject();
        writer.WritePropertyName("id");
        writer.WriteValue(execution.Id);
        writer.WritePropertyName("flowId");
        writer.WriteValue(execution.FlowId);
        writer.WritePropertyName("flowVersion");
        writer.WriteValue(execution.FlowVersion);
        writer.WritePropertyName("status");
        writer.WriteValue(Status(execution.Status));
        writer.WritePropertyName("requestId");
        writer.WriteValue(execution.RequestId);
        writer.WritePropertyName("startedAt");
        writer.WriteValue(Time(execution.StartedAt));
        writer.WritePropertyName("finishedAt");
        if (execution.FinishedAt is { } finished)
        {
            writer.WriteValue(Time(finished));
        }
        else
        {
            writer.WriteNull();
        }

        writer.WritePropertyName("messageId");
        writer.WriteValue(execution.MessageId);
        writer.WritePropertyName("pendingRebounds");
        writer.WriteValue(execution.PendingRebounds);
        writer.WritePropertyName("deliveryCount");
        writer.WriteValue(execution.DeliveryCount);
        if (execution.Failure is { } failure)
        {
            writer.WritePropertyName("failedStepId");
            writer.WriteValue(failure.StepId);
            writer.WritePropertyName("failure");
            writer.WriteStartObject();
            writer.WritePropertyName("stepId");
            writer.WriteValue(failure.StepId);
            writer.WritePropertyName("message");
            failure.Message.WriteTo(writer);
            writer.WritePropertyName("stepOutputs");
            failure.StepOutputs.WriteTo(writer);
            writer.WritePropertyName("attempt");
            writer.WriteValue(failure.Attempt);
            writer.WriteEndObject();
        }

        writer.WriteEndObject();
    }

    /// <summary>
    /// One step attempt of an execution: step id, attempt, status, input, output, error, start time and duration in
    /// milliseconds. The API lists these in an execution's <c>steps</c>; a store keeps each as a document of its own.
    /// <see cref="ReadStepExecution"/> reads it back.
    /// </summary>
    /// <param name="step">The step attempt.</param>
    public static JObject StepExecution(StepExecution step)
    {
        ArgumentNullException.ThrowIfNull(step);
        using var writer = new JTokenWriter();
        WriteStepExecution(writer, step);
        return (JObject)writer.Token!;
    }

    /// <summary>Writes <see cref="StepExecution(Execution.StepExecution)"/>'s document to <paramref name="writer"/> (for a store's hot path).</summary>
    /// <param name="writer">Where to write.</param>
    /// <param name="step">The step attempt.</param>
    public static void WriteStepExecution(JsonWriter writer, StepExecution step)
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentNullException.ThrowIfNull(step);
        writer.WriteStartObject();
        writer.WritePropertyName("stepId");
        writer.WriteValue(step.StepId);
        writer.WritePropertyName("attempt");
        writer.WriteValue(step.Attempt);
        writer.WritePropertyName("status");
        writer.WriteValue(Status(step.Status));
        writer.WritePropertyName("input");
        WriteToken(writer, step.Input);
        writer.WritePropertyName("output");
        WriteToken(writer, step.Output);
        writer.WritePropertyName("error");
        if (step.Error is { } error)
        {
            writer.WriteStartObject();
            writer.WritePropertyName("type");
            writer.WriteValue(error.Type);
            writer.WritePropertyName("message");
            writer.WriteValue(error.Message);
            writer.WriteEndObject();
        }
        else
        {
            writer.WriteNull();
        }

        writer.WritePropertyName("startedAt");
        writer.WriteValue(Time(step.StartedAt));
        writer.WritePropertyName("durationMs");
        writer.WriteValue(Math.Round(step.Duration.TotalMilliseconds, 4));
        writer.WriteEndObject();
    }

    /// <summary>Validation errors, each with its step, field and message.</summary>
    /// <param name="errors">The errors.</param>
    public static JArray Errors(IEnumerable<FlowValidationError> errors) =>
        new(errors.Select(e => new JObject { ["stepId"] = e.StepId, ["field"] = e.Field, ["message"] = e.Message }));

    /// <summary>An execution status as written: <c>running</c>, <c>succeeded</c>, <c>failed</c>, <c>rebounding</c>.</summary>
    /// <param name="status">The status.</param>
    public static string Status(ExecutionStatus status) => status.ToString().ToLowerInvariant();

    private static string Time(DateTimeOffset time) => time.UtcDateTime.ToString("O", CultureInfo.InvariantCulture);

    private static void WriteToken(JsonWriter writer, JToken? token)
    {
        if (token is null)
        {
            writer.WriteNull();
        }
        else
        {
            token.WriteTo(writer);
        }
    }

    /// <summary>
    /// Parses a stored document's text as the readers expect it: dates inside payloads stay strings, numbers with a fraction are
    /// doubles, nesting up to 256 levels.
    /// </summary>
    /// <param name="json">The document's text.</param>
    /// <exception cref="InvalidDataException">The text is not a JSON object.</exception>
    public static JObject Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        try
        {
            using var reader = new JsonTextReader(new StringReader(json))
            {
                DateParseHandling = DateParseHandling.None,
                FloatParseHandling = FloatParseHandling.Double,
                MaxDepth = 256,
            };
            var token = JToken.ReadFrom(reader, LoadSettings);
            if (reader.Read())
            {
                throw new InvalidDataException($"A stored document has more after its end (line {reader.LineNumber}, position {reader.LinePosition}).");
            }

            return token as JObject ?? throw new InvalidDataException($"A stored document must be a JSON object, not {token.Type}.");
        }
        catch (JsonReaderException e)
        {
            throw new InvalidDataException($"A stored document is not well-formed JSON: {e.Message}", e);
        }
    }

    /// <summary>Reads a flow's stored form (<see cref="Flow(Flows.Flow)"/>); the API's form reads too, its decoration ignored.</summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static Flow ReadFlow(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = new DocumentReader("flow");
        return new Flow
        {
            Id = read.String(json, "id", "id"),
            State = read.State(json, "state", "state"),
            Draft = ReadStoredDraft(read, read.Object(json, "draft", "draft"), "draft."),
            LatestVersion = read.OptionalInt(json, "latestVersion", "latestVersion"),
            LiveVersion = read.OptionalInt(json, "liveVersion", "liveVersion"),
            CreatedAt = read.Time(json, "createdAt", "createdAt"),
            UpdatedAt = read.Time(json, "updatedAt", "updatedAt"),
            Revision = read.OptionalLong(json, "revision", "revision") ?? 0,
        };
    }

    /// <summary>Reads a version (<see cref="Version"/>), its definition with every field.</summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static FlowVersion ReadVersion(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = new DocumentReader("version");
        return new FlowVersion(
            read.String(json, "flowId", "flowId"),
            read.Int(json, "version", "version"),
            ReadStoredDraft(read, read.Object(json, "definition", "definition"), "definition."),
            read.Time(json, "publishedAt", "publishedAt"));
    }

    /// <summary>
    /// Reads a stored draft (<see cref="Draft"/>) with every field, the computed ones included (each sample's parsed sample and
    /// schema, <c>inMetadata</c>, <c>outMetadata</c>). Unlike <see cref="ReadDraft(JObject, ICollection{FlowValidationError})"/>,
    /// which reads what a user sends, it trusts those and throws at the first bad field.
    /// </summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static FlowDraft ReadDraft(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ReadStoredDraft(new DocumentReader("draft"), json, "");
    }

    /// <summary>Reads a stored step (<see cref="Step"/>) with every field; its API decoration (<c>fields</c>) is ignored.</summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static StepDefinition ReadStep(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var errors = new List<FlowValidationError>();
        var step = ReadStepCore(json, "", errors, stored: true);
        return errors.Count == 0 && step is not null ? step : throw new DocumentReader("step").Invalid(errors);
    }

    /// <summary>
    /// Reads a credential's metadata (<see cref="Credential(Credentials.Credential)"/>); its <see cref="Credentials.Credential.Fields"/>
    /// are the document's <c>fields</c> when it has them, else empty (a store then sets its decrypted fields).
    /// </summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static Credential ReadCredential(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = new DocumentReader("credential");
        return new Credential
        {
            Id = read.String(json, "id", "id"),
            Name = read.String(json, "name", "name"),
            ComponentId = read.String(json, "componentId", "componentId"),
            Fields = read.OptionalObject(json, "fields", "fields") ?? [],
            CreatedAt = read.Time(json, "createdAt", "createdAt"),
        };
    }

    /// <summary>
    /// A refused hook request, as the management API shows it and a store keeps it (the store's form also names the flow:
    /// <c>flowId</c>). Its headers were masked when it was recorded; a body is never kept.
    /// </summary>
    /// <param name="delivery">The refused request.</param>
    public static JObject RefusedDelivery(global::Flows.Sdk.Hooks.RefusedDelivery delivery)
    {
        ArgumentNullException.ThrowIfNull(delivery);
        return new()
        {
            ["flowId"] = delivery.FlowId,
            ["receivedAt"] = Time(delivery.ReceivedAt),
            ["status"] = delivery.StatusCode,
            ["reason"] = delivery.Reason,
            ["detail"] = delivery.Detail,
            ["method"] = delivery.Method,
            ["contentType"] = delivery.ContentType,
            ["bodySize"] = delivery.BodySize,
            ["headers"] = new JObject(delivery.Headers.Select(h => new JProperty(h.Key, h.Value))),
        };
    }

    /// <summary>Reads a refused hook request written by <see cref="RefusedDelivery(global::Flows.Sdk.Hooks.RefusedDelivery)"/>.</summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static global::Flows.Sdk.Hooks.RefusedDelivery ReadRefusedDelivery(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = new DocumentReader("refused delivery");
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var header in read.OptionalObject(json, "headers", "headers")?.Properties() ?? [])
        {
            headers[header.Name] = header.Value is JValue { Type: JTokenType.String } value
                ? (string)value!
                : throw read.Invalid("headers." + header.Name, "must be a string");
        }

        return new global::Flows.Sdk.Hooks.RefusedDelivery
        {
            FlowId = read.String(json, "flowId", "flowId"),
            ReceivedAt = read.Time(json, "receivedAt", "receivedAt"),
            StatusCode = read.Int(json, "status", "status"),
            Reason = read.String(json, "reason", "reason"),
            Detail = OptionalText(read, json, "detail"),
            Method = read.String(json, "method", "method"),
            ContentType = OptionalText(read, json, "contentType"),
            BodySize = read.OptionalLong(json, "bodySize", "bodySize"),
            Headers = headers,
        };

        static string? OptionalText(DocumentReader read, JObject json, string property) =>
            json[property] is null or { Type: JTokenType.Null } ? null : read.String(json, property, property);
    }

    /// <summary>
    /// Reads an execution: its stored header (<see cref="ExecutionHeader"/>) or its full form with <c>steps</c>. Without
    /// <c>steps</c> it has none (a store adds its step documents); without <c>failure</c> its <see cref="FlowExecution.Failure"/>
    /// is <see langword="null"/> (the API's form, which shows only <c>failedStepId</c>).
    /// </summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static FlowExecution ReadExecution(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var read = new DocumentReader("execution");
        ExecutionFailure? failure = null;
        if (read.OptionalObject(json, "failure", "failure") is { } failureJson)
        {
            failure = new ExecutionFailure(
                read.String(failureJson, "stepId", "failure.stepId"),
                read.Object(failureJson, "message", "failure.message"),
                read.Object(failureJson, "stepOutputs", "failure.stepOutputs"),
                read.Int(failureJson, "attempt", "failure.attempt"));
        }

        IReadOnlyList<StepExecution> steps = [];
        if (read.OptionalArray(json, "steps", "steps") is { } stepsJson)
        {
            var list = new StepExecution[stepsJson.Count];
            for (var i = 0; i < list.Length; i++)
            {
                var path = $"steps[{i}]";
                list[i] = ReadStepExecutionAt(read, stepsJson[i] as JObject ?? throw read.Invalid(path, "must be an object"), path + ".");
            }

            steps = list;
        }

        return new FlowExecution
        {
            Id = read.String(json, "id", "id"),
            FlowId = read.String(json, "flowId", "flowId"),
            FlowVersion = read.Int(json, "flowVersion", "flowVersion"),
            RequestId = read.String(json, "requestId", "requestId"),
            MessageId = read.String(json, "messageId", "messageId"),
            Status = read.Status(json, "status", "status"),
            StartedAt = read.Time(json, "startedAt", "startedAt"),
            FinishedAt = read.OptionalTime(json, "finishedAt", "finishedAt"),
            DeliveryCount = read.OptionalInt(json, "deliveryCount", "deliveryCount") ?? 1,
            PendingRebounds = read.OptionalInt(json, "pendingRebounds", "pendingRebounds") ?? 0,
            Failure = failure,
            Steps = steps,
        };
    }

    /// <summary>Reads one step attempt (<see cref="StepExecution(Execution.StepExecution)"/>).</summary>
    /// <param name="json">The document.</param>
    /// <exception cref="InvalidDataException">A field is missing or of the wrong type; the message names it.</exception>
    public static StepExecution ReadStepExecution(JObject json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return ReadStepExecutionAt(new DocumentReader("step execution"), json, "");
    }

    private static StepExecution ReadStepExecutionAt(DocumentReader read, JObject json, string prefix)
    {
        StepError? error = null;
        if (read.OptionalObject(json, "error", prefix + "error") is { } errorJson)
        {
            error = new StepError(read.String(errorJson, "type", prefix + "error.type"), read.String(errorJson, "message", prefix + "error.message"));
        }

        return new StepExecution
        {
            StepId = read.String(json, "stepId", prefix + "stepId"),
            Attempt = read.OptionalInt(json, "attempt", prefix + "attempt") ?? 1,
            Status = read.Status(json, "status", prefix + "status"),
            Input = json["input"] is { Type: not JTokenType.Null } input ? input : null,
            Output = json["output"] is { Type: not JTokenType.Null } output ? output : null,
            Error = error,
            StartedAt = read.Time(json, "startedAt", prefix + "startedAt"),
            Duration = read.Duration(json, "durationMs", prefix + "durationMs"),
        };
    }

    private static FlowDraft ReadStoredDraft(DocumentReader read, JObject json, string prefix)
    {
        var errors = new List<FlowValidationError>();
        var draft = ReadDraftCore(json, errors, stored: true);
        return errors.Count == 0 && draft is not null ? draft : throw read.Invalid(errors, prefix);
    }

    /// <summary>Reads a draft from its JSON form, collecting every shape error with its JSON path.</summary>
    /// <remarks>
    /// This is the reader of what a user sends: the fields a flow computes (each sample's parsed <c>sample</c> and <c>schema</c>,
    /// <c>inMetadata</c>, <c>outMetadata</c>) and the API's decoration are ignored. A store reads its drafts with
    /// <see cref="ReadDraft(JObject)"/>.
    /// </remarks>
    /// <param name="body">The draft's JSON form (<c>name</c>, <c>steps</c>).</param>
    /// <param name="errors">Receives the shape errors, each naming its field (such as <c>steps[0].componentId</c>).</param>
    /// <returns>The draft, or <see langword="null"/> when <paramref name="errors"/> got at least one error.</returns>
    public static FlowDraft? ReadDraft(JObject body, ICollection<FlowValidationError> errors)
    {
        ArgumentNullException.ThrowIfNull(body);
        ArgumentNullException.ThrowIfNull(errors);
        return ReadDraftCore(body, errors, stored: false);
    }

    private static FlowDraft? ReadDraftCore(JObject body, ICollection<FlowValidationError> errors, bool stored)
    {
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

            if (ReadStepCore(step, path + ".", errors, stored) is { } read)
            {
                result.Add(read);
            }
        }

        return errors.Count == before ? new FlowDraft(name!, result) : null;
    }

    private static StepDefinition? ReadStepCore(JObject step, string path, ICollection<FlowValidationError> errors, bool stored)
    {
        var id = ReadString(step, "id", $"{path}id", errors, required: true);
        var componentId = ReadString(step, "componentId", $"{path}componentId", errors, required: true);
        var function = ReadString(step, "function", $"{path}function", errors, required: true);
        var credentialId = ReadString(step, "credentialId", $"{path}credentialId", errors, required: false);
        var stepName = ReadString(step, "name", $"{path}name", errors, required: false);
        var note = ReadString(step, "note", $"{path}note", errors, required: false);
        SampleDefinition? sample = null;
        if (step["sample"] is JObject sampleJson)
        {
            var format = ReadString(sampleJson, "format", $"{path}sample.format", errors, required: true);
            var data = ReadString(sampleJson, "data", $"{path}sample.data", errors, required: true);
            var parsed = stored ? ReadObject(sampleJson, "sample", id, $"{path}sample.sample", errors) : null;
            var schema = stored ? ReadObject(sampleJson, "schema", id, $"{path}sample.schema", errors) : null;
            if (format is not null && data is not null)
            {
                sample = new SampleDefinition(format, data) { Sample = parsed, Schema = schema };
            }
        }
        else if (step["sample"] is { Type: not JTokenType.Null })
        {
            errors.Add(new(id, $"{path}sample", "'sample' must be an object {\"format\", \"data\"}."));
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
                    errors.Add(new(id, $"{path}mapping.{property.Name}", "A mapping expression must be a string."));
                }
            }
        }
        else if (step["mapping"] is { Type: not JTokenType.Null })
        {
            errors.Add(new(id, $"{path}mapping", "'mapping' must be an object of input field to expression, or one expression (a string) that gives the whole input."));
        }

        var configuration = ReadObject(step, "configuration", id, $"{path}configuration", errors);

        double? mappingTimeLimit = null;
        if (step["mappingTimeLimitSeconds"] is { Type: JTokenType.Integer or JTokenType.Float } limitJson)
        {
            // The range (more than 0, at most 300) is the flow manager's check, made wherever a draft is saved.
            mappingTimeLimit = (double)limitJson;
        }
        else if (step["mappingTimeLimitSeconds"] is { Type: not JTokenType.Null })
        {
            errors.Add(new(id, $"{path}mappingTimeLimitSeconds", "'mappingTimeLimitSeconds' must be a number of seconds (more than 0, at most 300)."));
        }

        var inMetadata = stored ? ReadObject(step, "inMetadata", id, $"{path}inMetadata", errors) : null;
        var outMetadata = stored ? ReadObject(step, "outMetadata", id, $"{path}outMetadata", errors) : null;
        if (id is null || componentId is null || function is null)
        {
            return null;
        }

        return new StepDefinition
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
            InMetadata = inMetadata,
            OutMetadata = outMetadata,
        };
    }

    private static JObject? ReadObject(JObject json, string property, string? stepId, string path, ICollection<FlowValidationError> errors)
    {
        var token = json[property];
        if (token is JObject value)
        {
            return value;
        }

        if (token is { Type: not JTokenType.Null })
        {
            errors.Add(new(stepId, path, $"'{property}' must be an object."));
        }

        return null;
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

    /// <summary>Reads the fields of one stored document, throwing <see cref="InvalidDataException"/> that names the bad field.</summary>
    private readonly struct DocumentReader(string document)
    {
        public InvalidDataException Invalid(string path, string problem) => new($"Invalid {document} JSON: '{path}' {problem}.");

        public InvalidDataException Invalid(IReadOnlyCollection<FlowValidationError> errors, string prefix = "") =>
            new($"Invalid {document} JSON: " + string.Join("; ", errors.Select(e => $"'{prefix}{e.Field}': {e.Message}")));

        public string String(JObject json, string property, string path) => json[property] switch
        {
            JValue { Type: JTokenType.String } value => (string)value!,
            null or { Type: JTokenType.Null } => throw Invalid(path, "is required"),
            _ => throw Invalid(path, "must be a string"),
        };

        public JObject Object(JObject json, string property, string path) =>
            OptionalObject(json, property, path) ?? throw Invalid(path, "is required");

        public JObject? OptionalObject(JObject json, string property, string path) => json[property] switch
        {
            JObject value => value,
            null or { Type: JTokenType.Null } => null,
            _ => throw Invalid(path, "must be an object"),
        };

        public JArray? OptionalArray(JObject json, string property, string path) => json[property] switch
        {
            JArray value => value,
            null or { Type: JTokenType.Null } => null,
            _ => throw Invalid(path, "must be an array"),
        };

        public int Int(JObject json, string property, string path) => OptionalInt(json, property, path) ?? throw Invalid(path, "is required");

        public int? OptionalInt(JObject json, string property, string path) => OptionalLong(json, property, path) switch
        {
            null => null,
            >= int.MinValue and <= int.MaxValue and var value => (int)value,
            _ => throw Invalid(path, "must be a whole number of 32 bits"),
        };

        public long? OptionalLong(JObject json, string property, string path) => json[property] switch
        {
            null or { Type: JTokenType.Null } => null,
            JValue { Type: JTokenType.Integer, Value: long value } => value,
            JValue { Type: JTokenType.Integer, Value: int value } => value,
            _ => throw Invalid(path, "must be a whole number"),
        };

        public DateTimeOffset Time(JObject json, string property, string path) => OptionalTime(json, property, path) ?? throw Invalid(path, "is required");

        public DateTimeOffset? OptionalTime(JObject json, string property, string path)
        {
            switch (json[property])
            {
                case null or { Type: JTokenType.Null }:
                    return null;
                case JValue { Value: DateTimeOffset value }:
                    return value;
                case JValue { Value: DateTime value }:
                    return value.Kind == DateTimeKind.Unspecified ? new DateTimeOffset(value, TimeSpan.Zero) : new DateTimeOffset(value);
                case JValue { Type: JTokenType.String } text
                    when ((string)text!) is { Length: >= 19 } s && s[4] == '-' && s[10] == 'T'
                        && DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var parsed):
                    return parsed;
                default:
                    throw Invalid(path, "must be a time in ISO 8601 (such as 2026-01-31T12:00:00.0000000Z)");
            }
        }

        public TimeSpan Duration(JObject json, string property, string path)
        {
            var milliseconds = json[property] switch
            {
                null or { Type: JTokenType.Null } => 0d,
                JValue { Type: JTokenType.Integer or JTokenType.Float } value => (double)value,
                _ => throw Invalid(path, "must be a number of milliseconds"),
            };
            var ticks = Math.Round(milliseconds * TimeSpan.TicksPerMillisecond);
            return double.IsFinite(ticks) && ticks >= 0 && ticks <= TimeSpan.MaxValue.Ticks
                ? TimeSpan.FromTicks((long)ticks)
                : throw Invalid(path, "must be a number of milliseconds from 0 to TimeSpan.MaxValue");
        }

        public FlowState State(JObject json, string property, string path) => String(json, property, path) switch
        {
            "draft" => FlowState.Draft,
            "stopped" => FlowState.Stopped,
            "running" => FlowState.Running,
            var other => throw Invalid(path, $"must be draft, stopped or running, not '{other}'"),
        };

        public ExecutionStatus Status(JObject json, string property, string path) => String(json, property, path) switch
        {
            "running" => ExecutionStatus.Running,
            "succeeded" => ExecutionStatus.Succeeded,
            "failed" => ExecutionStatus.Failed,
            "rebounding" => ExecutionStatus.Rebounding,
            var other => throw Invalid(path, $"must be running, succeeded, failed or rebounding, not '{other}'"),
        };
    }
}
