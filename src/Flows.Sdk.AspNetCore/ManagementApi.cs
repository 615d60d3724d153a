using Flows.Sdk.Components;
using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Flows.Sdk.Samples;
using Flows.Sdk.Storage;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.AspNetCore;

/// <summary>The management API: credentials, flows and their lifecycle, the run log. Every error is a problem details response.</summary>
internal static class ManagementApi
{
    private const string FlowPlaceholder = "__flow__";

    /// <summary>
    /// Where this app serves hooks (path base and the prefix given to <c>MapWebhookFlows</c>), found through the hook endpoint's
    /// name; <see langword="null"/> when the app maps no hook endpoint.
    /// </summary>
    private static string? HookPath(HttpContext context)
    {
        var path = context.RequestServices.GetRequiredService<LinkGenerator>()
            .GetPathByName(context, WebhookFlowsEndpointRouteBuilderExtensions.HookEndpointName, new { flowId = FlowPlaceholder });
        return path?[..path.LastIndexOf("/" + FlowPlaceholder, StringComparison.Ordinal)];
    }

    public static void Map(RouteGroupBuilder api)
    {
        // A store that cannot work for now (disk full, I/O error, lock timeout) is a 503 with Retry-After, not a 500.
        // The engine's not-found and conflict families are a 404 and a 409, by type, whichever endpoint meets them.
        api.AddEndpointFilter(async (context, next) =>
        {
            try
            {
                return await next(context).ConfigureAwait(false);
            }
            catch (NotFoundException e) when (!context.HttpContext.Response.HasStarted)
            {
                await NotFoundAsync(context.HttpContext, e.Kind, e.Id).ConfigureAwait(false);
                return Results.Empty;
            }
            catch (ConflictException e) when (!context.HttpContext.Response.HasStarted)
            {
                await ConflictAsync(context.HttpContext, e).ConfigureAwait(false);
                return Results.Empty;
            }
            catch (StorageUnavailableException e) when (!context.HttpContext.Response.HasStarted)
            {
                context.HttpContext.Response.Headers.RetryAfter = e.RetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture);
                await HttpJson.WriteProblemAsync(context.HttpContext, 503, "Service Unavailable",
                    $"The storage is unavailable, so nothing was changed; try again later. {e.Message}").ConfigureAwait(false);
                return Results.Empty;
            }
        });

        api.MapGet("/components", ListComponents).WithSummary("Lists the components, their triggers and actions with titles and fields; ?search= filters them.");

        api.MapPost("/credentials", CreateCredentialAsync).WithSummary("Creates a credential {name, componentId, fields}; secrets come back as ***.");
        api.MapGet("/credentials", ListCredentialsAsync).WithSummary("Lists the credentials, secrets as ***.");
        api.MapGet("/credentials/{id}", GetCredentialAsync).WithSummary("Shows a credential, secrets as ***.");
        api.MapDelete("/credentials/{id}", DeleteCredentialAsync).WithSummary("Deletes a credential no flow uses (409 naming the flows that use it).");
        api.MapPost("/credentials/{id}/verify", VerifyCredentialAsync).WithSummary("Runs the component's check of a credential (at most 30 s): {verified, reason?}.");

        api.MapPost("/flows", CreateFlowAsync).WithSummary("Creates a flow {name, steps} as a draft.");
        api.MapGet("/flows", ListFlowsAsync).WithSummary("Lists the flows, each step with the fields it offers.");
        api.MapGet("/flows/{id}", GetFlowAsync).WithSummary("Shows a flow.");
        api.MapPatch("/flows/{id}", RenameFlowAsync).WithSummary("Renames a flow: {name}.");
        api.MapDelete("/flows/{id}", DeleteFlowAsync).WithSummary("Deletes a flow that is not running (409 otherwise), with its versions and run log.");
        api.MapPut("/flows/{id}/draft", UpdateDraftAsync).WithSummary("Replaces the draft {name, steps}.");
        api.MapPost("/flows/{id}/publish", PublishAsync).WithSummary("Publishes the draft as the next version: {version, warnings} or 422 with errors.");
        api.MapGet("/flows/{id}/versions/{version:int}", GetVersionAsync).WithSummary("Shows a published version.");
        api.MapPost("/flows/{id}/start", StartAsync).WithSummary("Starts the latest published version (409 when none).");
        api.MapPost("/flows/{id}/stop", StopAsync).WithSummary("Stops the flow: its hook answers 404.");
        api.MapPost("/flows/{id}/steps/{stepId}/sample", RetrieveSampleAsync).WithSummary("Retrieves a sample of an action's output from its component and stores it on the step.");
        api.MapGet("/flows/{id}/executions", ListExecutionsAsync).WithSummary("The run log, newest first: ?status=&from=&to=&skip=&limit=.");
        api.MapGet("/flows/{id}/counts", CountExecutionsAsync).WithSummary("Executions by status and time bucket: ?from=&to=&bucketMinutes= (default the last 24 hours by hour).");
        api.MapGet("/flows/{id}/refused", ListRefusedAsync).WithSummary("The flow's last refused hook requests: time, status, reason, masked headers, body size.");
        api.MapPost("/samples/parse", ParseSampleAsync).WithSummary("Parses a sample {format, sample}: {sample, schema, fields} or 400 with the position.");
        api.MapPost("/mapping/evaluate", EvaluateMappingAsync).WithSummary("Previews a JSONata expression or a whole mapping on an input: {result} or 400 with code and position.");
        api.MapGet("/executions/{id}", GetExecutionAsync).WithSummary("An execution with every step attempt.");
        api.MapPost("/executions/{id}/retry", RetryExecutionAsync).WithSummary("Runs a failed execution again from its failed step, optionally with {message}.");
    }

    private static async Task CreateCredentialAsync(HttpContext context, ICredentialManager credentials)
    {
        var body = await HttpJson.ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (body["fields"] is { } fieldsToken && fieldsToken is not JObject)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "'fields' must be an object.").ConfigureAwait(false);
            return;
        }

        if (body["name"] is { Type: not JTokenType.String } || body["componentId"] is { Type: not JTokenType.String })
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "'name' and 'componentId' must be strings.").ConfigureAwait(false);
            return;
        }

        try
        {
            var credential = await credentials.CreateAsync((string?)body["name"] ?? string.Empty, (string?)body["componentId"] ?? string.Empty,
                body["fields"] as JObject ?? [], context.RequestAborted).ConfigureAwait(false);
            context.Response.Headers.Location = $"{context.Request.PathBase}{context.Request.Path}/{credential.Id}";
            await HttpJson.WriteAsync(context, 201, FlowsJson.Credential(credential, credentials.Redact(credential))).ConfigureAwait(false);
        }
        catch (CredentialValidationException e)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Invalid credential", e.Message, new JObject
            {
                ["errors"] = new JArray(e.Errors.Select(x => new JObject { ["field"] = x.Field, ["message"] = x.Message })),
            }).ConfigureAwait(false);
        }
    }

    private static async Task ListCredentialsAsync(HttpContext context, ICredentialManager credentials)
    {
        var all = await credentials.ListAsync(context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 200, new JObject
        {
            ["items"] = new JArray(all.Select(c => FlowsJson.Credential(c, credentials.Redact(c)))),
        }).ConfigureAwait(false);
    }

    private static async Task GetCredentialAsync(HttpContext context, string id, ICredentialManager credentials)
    {
        var credential = await credentials.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (credential is null)
        {
            await NotFoundAsync(context, "credential", id).ConfigureAwait(false);
            return;
        }

        await HttpJson.WriteAsync(context, 200, FlowsJson.Credential(credential, credentials.Redact(credential))).ConfigureAwait(false);
    }

    private static async Task DeleteCredentialAsync(HttpContext context, string id, ICredentialManager credentials)
    {
        try
        {
            await credentials.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = 204;
        }
        catch (CredentialInUseException e)
        {
            await HttpJson.WriteProblemAsync(context, 409, "Conflict", e.Message, new JObject { ["flows"] = new JArray(e.FlowIds) }).ConfigureAwait(false);
        }
    }

    private const int MaxSearchLength = 200;

    private static async Task ListComponents(HttpContext context, IComponentCatalog catalog)
    {
        var search = context.Request.Query["search"].ToString().Trim();
        if (search.Length > MaxSearchLength)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", $"search: at most {MaxSearchLength} characters; it has {search.Length}.").ConfigureAwait(false);
            return;
        }

        var items = new JArray();
        foreach (var component in catalog.Components)
        {
            if (ComponentsJson.Describe(component.Descriptor, search) is { } json)
            {
                items.Add(json);
            }
        }

        await HttpJson.WriteAsync(context, 200, new JObject { ["search"] = search, ["items"] = items }).ConfigureAwait(false);
    }

    private static async Task RenameFlowAsync(HttpContext context, string id, IFlowManager flows, IComponentCatalog components)
    {
        var body = await HttpJson.ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (body["name"] is not JValue { Type: JTokenType.String } name)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "'name' is required and must be a string: the flow's new name.").ConfigureAwait(false);
            return;
        }

        await RunAsync(context, async () =>
        {
            var flow = await flows.RenameAsync(id, (string)name!, context.RequestAborted).ConfigureAwait(false);
            await HttpJson.WriteAsync(context, 200, FlowsJson.Flow(flow, HookPath(context), components)).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private static Task DeleteFlowAsync(HttpContext context, string id, IFlowManager flows) =>
        RunAsync(context, async () =>
        {
            await flows.DeleteAsync(id, context.RequestAborted).ConfigureAwait(false);
            context.Response.StatusCode = 204;
        });

    private static async Task CountExecutionsAsync(HttpContext context, string id, IFlowManager flows, IExecutionStore store, TimeProvider time)
    {
        if (await flows.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            await NotFoundAsync(context, "flow", id).ConfigureAwait(false);
            return;
        }

        var q = context.Request.Query;
        var problems = new List<string>();
        var now = time.GetUtcNow();
        var to = ReadTime(q, "to", problems) ?? now;
        var from = ReadTime(q, "from", problems) ?? to.AddHours(-24);
        var bucketMinutes = ReadInt(q, "bucketMinutes", 60, 1, 60 * 24 * 366, problems);
        if (problems.Count == 0 && from >= to)
        {
            problems.Add("from must be before to.");
        }
        else if (problems.Count == 0 && (to - from).TotalMinutes / bucketMinutes > 1000)
        {
            problems.Add($"bucketMinutes: {bucketMinutes} makes more than 1000 buckets between from and to; take wider buckets.");
        }

        if (problems.Count > 0)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", string.Join(" ", problems)).ConfigureAwait(false);
            return;
        }

        var counts = await store.CountAsync(new ExecutionCountQuery(id, from, to, TimeSpan.FromMinutes(bucketMinutes)), context.RequestAborted).ConfigureAwait(false);
        var totals = new JObject();
        foreach (var status in Enum.GetValues<ExecutionStatus>())
        {
            totals[FlowsJson.Status(status)] = counts.Where(c => c.Status == status).Sum(c => c.Count);
        }

        var buckets = new JArray(counts.GroupBy(c => c.BucketStart).Select(g =>
        {
            var bucket = new JObject { ["start"] = g.Key.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture) };
            foreach (var count in g)
            {
                bucket[FlowsJson.Status(count.Status)] = count.Count;
            }

            return bucket;
        }));
        await HttpJson.WriteAsync(context, 200, new JObject
        {
            ["flowId"] = id,
            ["from"] = from.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["to"] = to.UtcDateTime.ToString("O", System.Globalization.CultureInfo.InvariantCulture),
            ["bucketMinutes"] = bucketMinutes,
            ["totals"] = totals,
            ["buckets"] = buckets,
        }).ConfigureAwait(false);
    }

    private static async Task ListRefusedAsync(HttpContext context, string id, IFlowManager flows, global::Flows.Sdk.Hooks.IRefusedDeliveryStore refused)
    {
        if (await flows.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            await NotFoundAsync(context, "flow", id).ConfigureAwait(false);
            return;
        }

        var problems = new List<string>();
        var limit = ReadInt(context.Request.Query, "limit", refused.MaxPerFlow, 1, Math.Max(1, refused.MaxPerFlow), problems);
        if (problems.Count > 0)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", string.Join(" ", problems)).ConfigureAwait(false);
            return;
        }

        var items = await refused.ListAsync(id, limit, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 200, new JObject
        {
            ["maxPerFlow"] = refused.MaxPerFlow,
            ["items"] = new JArray(items.Select(FlowsJson.RefusedDelivery)),
        }).ConfigureAwait(false);
    }

    private static async Task VerifyCredentialAsync(HttpContext context, string id, ICredentialManager credentials)
    {
        // An unknown id is a CredentialNotFoundException: a 404 by the group's filter.
        var result = await credentials.VerifyAsync(id, context.RequestAborted).ConfigureAwait(false);
        var json = new JObject { ["verified"] = result.Verified };
        if (result.Reason is not null)
        {
            json["reason"] = result.Reason;
        }

        await HttpJson.WriteAsync(context, 200, json).ConfigureAwait(false);
    }

    private static async Task CreateFlowAsync(HttpContext context, IFlowManager flows, IComponentCatalog components)
    {
        var draft = await ReadDraftAsync(context).ConfigureAwait(false);
        if (draft is null)
        {
            return;
        }

        await RunAsync(context, async () =>
        {
            var flow = await flows.CreateAsync(draft, context.RequestAborted).ConfigureAwait(false);
            context.Response.Headers.Location = $"{context.Request.PathBase}{context.Request.Path}/{flow.Id}";
            await HttpJson.WriteAsync(context, 201, FlowsJson.Flow(flow, HookPath(context), components)).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private static async Task ListFlowsAsync(HttpContext context, IFlowManager flows, IComponentCatalog components)
    {
        var all = await flows.ListAsync(context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 200, new JObject { ["items"] = new JArray(all.Select(f => FlowsJson.Flow(f, HookPath(context), components))) }).ConfigureAwait(false);
    }

    private static async Task GetFlowAsync(HttpContext context, string id, IFlowManager flows, IComponentCatalog components)
    {
        var flow = await flows.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (flow is null)
        {
            await NotFoundAsync(context, "flow", id).ConfigureAwait(false);
            return;
        }

        await HttpJson.WriteAsync(context, 200, FlowsJson.Flow(flow, HookPath(context), components)).ConfigureAwait(false);
    }

    private static async Task UpdateDraftAsync(HttpContext context, string id, IFlowManager flows, IComponentCatalog components)
    {
        var draft = await ReadDraftAsync(context).ConfigureAwait(false);
        if (draft is null)
        {
            return;
        }

        await RunAsync(context, async () =>
        {
            var flow = await flows.UpdateDraftAsync(id, draft, context.RequestAborted).ConfigureAwait(false);
            await HttpJson.WriteAsync(context, 200, FlowsJson.Flow(flow, HookPath(context), components)).ConfigureAwait(false);
        }).ConfigureAwait(false);
    }

    private static Task PublishAsync(HttpContext context, string id, IFlowManager flows) =>
        RunAsync(context, async () =>
        {
            var result = await flows.PublishAsync(id, context.RequestAborted).ConfigureAwait(false);
            await HttpJson.WriteAsync(context, 200, new JObject
            {
                ["version"] = result.Version.Number,
                ["publishedAt"] = FlowsJson.Version(result.Version)["publishedAt"],
                ["warnings"] = FlowsJson.Errors(result.Warnings),
            }).ConfigureAwait(false);
        }, validationStatus: 422);

    private static Task RetrieveSampleAsync(HttpContext context, string id, string stepId, IFlowManager flows, IComponentCatalog components) =>
        RunAsync(context, async () =>
        {
            var flow = await flows.RetrieveSampleAsync(id, stepId, context.RequestAborted).ConfigureAwait(false);
            var step = flow.Draft.Steps.First(s => s.Id == stepId);
            await HttpJson.WriteAsync(context, 200, new JObject
            {
                ["stepId"] = stepId,
                ["sample"] = step.Sample?.Sample?.DeepClone(),
                ["schema"] = step.Sample?.Schema?.DeepClone(),
                ["flow"] = FlowsJson.Flow(flow, HookPath(context), components),
            }).ConfigureAwait(false);
        });

    private static async Task ParseSampleAsync(HttpContext context, ISampleParserCatalog parsers, IOptions<SampleParseOptions> options)
    {
        var body = await HttpJson.ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        if (body["format"] is not JValue { Type: JTokenType.String } format || body["sample"] is not JValue { Type: JTokenType.String } sample)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "'format' (json, xml or properties) and 'sample' (the sample text) are required strings.").ConfigureAwait(false);
            return;
        }

        try
        {
            var result = parsers.Parse((string)format!, (string)sample!, options.Value);
            await HttpJson.WriteAsync(context, 200, new JObject
            {
                ["sample"] = result.Sample,
                ["schema"] = result.Schema,
                ["fields"] = FlowsJson.Fields(result.Schema),
            }).ConfigureAwait(false);
        }
        catch (SampleFormatException e)
        {
            var details = new JObject { ["format"] = e.Format };
            if (e.LineNumber is { } line)
            {
                details["line"] = line;
            }

            if (e.LinePosition is { } position)
            {
                details["position"] = position;
            }

            if (e.Entry is { } entry)
            {
                details["entry"] = entry;
            }

            await HttpJson.WriteProblemAsync(context, 400, "Invalid sample", e.MessageWithLocation, details).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Previews a mapping: <c>{"expression", "input", "bindings"?}</c> gives <c>{"result"}</c> (no <c>result</c> when undefined);
    /// <c>{"mapping": {field: expression}, ...}</c> gives <c>{"result": {field: value}}</c>. A bad expression is a 400 with its code and position.
    /// Evaluation runs under the host's limits (one expression gets the host's time limit; the fields of a whole mapping share
    /// it, so a preview answers within it however many fields run away): an overrun is a 400 with code <c>U1001</c> or
    /// <c>U1002</c>. A client that goes away cancels the evaluation at once.
    /// </summary>
    private static async Task EvaluateMappingAsync(HttpContext context, IMappingEngine engine, IOptions<JsonataOptions> mappingOptions)
    {
        var body = await HttpJson.ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return;
        }

        var bindings = new Dictionary<string, JToken?>(StringComparer.Ordinal);
        if (body["bindings"] is JObject given)
        {
            foreach (var property in given.Properties())
            {
                bindings[property.Name.TrimStart('$')] = property.Value;
            }
        }
        else if (body["bindings"] is { Type: not JTokenType.Null })
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "'bindings' must be an object of variable name to value.").ConfigureAwait(false);
            return;
        }

        var input = body["input"];
        var field = "expression";
        var aborted = context.RequestAborted;
        try
        {
            var result = new JObject();
            if (body["expression"] is JValue { Type: JTokenType.String } expression)
            {
                if (engine.Compile((string)expression!).Evaluate(input, bindings, default, aborted) is { } value)
                {
                    result["result"] = value;
                }
            }
            else if (body["mapping"] is JObject mapping)
            {
                var fields = new Dictionary<string, string>(StringComparer.Ordinal);
                foreach (var property in mapping.Properties())
                {
                    if (property.Value is not JValue { Type: JTokenType.String } text)
                    {
                        await HttpJson.WriteProblemAsync(context, 400, "Bad Request", $"'mapping.{property.Name}' must be an expression string.").ConfigureAwait(false);
                        return;
                    }

                    fields[property.Name] = (string)text!;
                }

                // Applied as a step applies its mapping; the fields share the host's time limit, so a preview answers within it.
                result["result"] = StepMapping.Compile(engine, fields).Apply(input, bindings, mappingOptions.Value.TimeLimit, aborted);
            }
            else
            {
                await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "Give 'expression' (a string) or 'mapping' (an object of field to expression), and 'input'.").ConfigureAwait(false);
                return;
            }

            await HttpJson.WriteAsync(context, 200, result).ConfigureAwait(false);
        }
        catch (StepMappingException mappingError) when (mappingError.Mapping is { } e)
        {
            field = mappingError.Target;
            var details = new JObject { ["code"] = e.Code, ["message"] = e.Message, ["position"] = e.Position, ["field"] = field };
            if (e.Token is not null)
            {
                details["token"] = e.Token;
            }

            await HttpJson.WriteProblemAsync(context, 400, "Invalid mapping expression", $"{field}: {e.Code} at position {e.Position}: {e.Message}", details).ConfigureAwait(false);
        }
        catch (MappingException e)
        {
            var details = new JObject { ["code"] = e.Code, ["message"] = e.Message, ["position"] = e.Position, ["field"] = field };
            if (e.Token is not null)
            {
                details["token"] = e.Token;
            }

            await HttpJson.WriteProblemAsync(context, 400, "Invalid mapping expression", $"{field}: {e.Code} at position {e.Position}: {e.Message}", details).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (aborted.IsCancellationRequested)
        {
            // The client went away: nobody to answer, nothing to log.
        }
    }

    private static async Task GetVersionAsync(HttpContext context, string id, int version, IFlowManager flows)
    {
        var found = await flows.GetVersionAsync(id, version, context.RequestAborted).ConfigureAwait(false);
        if (found is null)
        {
            await NotFoundAsync(context, "flow version", $"{id} v{version}").ConfigureAwait(false);
            return;
        }

        await HttpJson.WriteAsync(context, 200, FlowsJson.Version(found)).ConfigureAwait(false);
    }

    private static Task StartAsync(HttpContext context, string id, IFlowManager flows, IComponentCatalog components) =>
        RunAsync(context, async () =>
        {
            var flow = await flows.StartAsync(id, context.RequestAborted).ConfigureAwait(false);
            await HttpJson.WriteAsync(context, 200, FlowsJson.Flow(flow, HookPath(context), components)).ConfigureAwait(false);
        });

    private static Task StopAsync(HttpContext context, string id, IFlowManager flows, IComponentCatalog components) =>
        RunAsync(context, async () =>
        {
            var flow = await flows.StopAsync(id, context.RequestAborted).ConfigureAwait(false);
            await HttpJson.WriteAsync(context, 200, FlowsJson.Flow(flow, HookPath(context), components)).ConfigureAwait(false);
        });

    private static async Task ListExecutionsAsync(HttpContext context, string id, IFlowManager flows, IExecutionManager executions)
    {
        if (await flows.GetAsync(id, context.RequestAborted).ConfigureAwait(false) is null)
        {
            await NotFoundAsync(context, "flow", id).ConfigureAwait(false);
            return;
        }

        var query = new ExecutionQuery(id);
        var q = context.Request.Query;
        var problems = new List<string>();
        if (q.TryGetValue("status", out var status))
        {
            if (Enum.TryParse<ExecutionStatus>(status.ToString(), ignoreCase: true, out var parsed) && !int.TryParse(status.ToString(), out _))
            {
                query = query with { Status = parsed };
            }
            else
            {
                problems.Add($"status: '{status}' is not one of running, succeeded, failed.");
            }
        }

        query = query with
        {
            Limit = ReadInt(q, "limit", 50, 1, 500, problems),
            Skip = ReadInt(q, "skip", 0, 0, int.MaxValue, problems),
            From = ReadTime(q, "from", problems),
            To = ReadTime(q, "to", problems),
        };
        if (problems.Count > 0)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Bad Request", string.Join(" ", problems)).ConfigureAwait(false);
            return;
        }

        var items = await executions.ListAsync(query, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 200, new JObject { ["items"] = new JArray(items.Select(FlowsJson.ExecutionSummary)) }).ConfigureAwait(false);
    }

    private static async Task RetryExecutionAsync(HttpContext context, string id, IExecutionManager executions)
    {
        JObject? message = null;
        if (context.Request.ContentLength > 0 || context.Request.Headers.TransferEncoding.Count > 0)
        {
            var body = await HttpJson.ReadObjectAsync(context).ConfigureAwait(false);
            if (body is null)
            {
                return;
            }

            if (body["message"] is JObject edited)
            {
                message = edited;
            }
            else if (body["message"] is { Type: not JTokenType.Null })
            {
                await HttpJson.WriteProblemAsync(context, 400, "Bad Request", "'message' must be a JSON object: the message the failed step gets instead of the original.").ConfigureAwait(false);
                return;
            }
        }

        // ExecutionNotFoundException and ExecutionStateException are a 404 and a 409 by the group's filter.
        var execution = await executions.RetryAsync(id, message, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteAsync(context, 202, FlowsJson.ExecutionSummary(execution)).ConfigureAwait(false);
    }

    private static async Task GetExecutionAsync(HttpContext context, string id, IExecutionManager executions)
    {
        var execution = await executions.GetAsync(id, context.RequestAborted).ConfigureAwait(false);
        if (execution is null)
        {
            await NotFoundAsync(context, "execution", id).ConfigureAwait(false);
            return;
        }

        await HttpJson.WriteAsync(context, 200, FlowsJson.Execution(execution)).ConfigureAwait(false);
    }

    private static int ReadInt(IQueryCollection query, string name, int fallback, int min, int max, List<string> problems)
    {
        if (!query.TryGetValue(name, out var text))
        {
            return fallback;
        }

        if (int.TryParse(text.ToString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        problems.Add($"{name}: '{text}' must be a whole number from {min} to {max}.");
        return fallback;
    }

    private static DateTimeOffset? ReadTime(IQueryCollection query, string name, List<string> problems)
    {
        if (!query.TryGetValue(name, out var text))
        {
            return null;
        }

        if (DateTimeOffset.TryParse(text.ToString(), System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.AssumeUniversal, out var value))
        {
            return value;
        }

        problems.Add($"{name}: '{text}' is not an ISO 8601 time.");
        return null;
    }

    private static async Task<FlowDraft?> ReadDraftAsync(HttpContext context)
    {
        var body = await HttpJson.ReadObjectAsync(context).ConfigureAwait(false);
        if (body is null)
        {
            return null;
        }

        var errors = new List<FlowValidationError>();
        var draft = FlowsJson.ReadDraft(body, errors);
        if (draft is null)
        {
            await HttpJson.WriteProblemAsync(context, 400, "Invalid flow", string.Join("; ", errors), new JObject { ["errors"] = FlowsJson.Errors(errors) }).ConfigureAwait(false);
        }

        return draft;
    }

    /// <summary>Runs a lifecycle operation, turning its documented exceptions into problem details.</summary>
    private static async Task RunAsync(HttpContext context, Func<Task> operation, int validationStatus = 400)
    {
        try
        {
            await operation().ConfigureAwait(false);
        }
        catch (NotFoundException e)
        {
            await NotFoundAsync(context, e.Kind, e.Id).ConfigureAwait(false);
        }
        catch (FlowValidationException e)
        {
            await HttpJson.WriteProblemAsync(context, validationStatus, "Invalid flow", e.Message, new JObject { ["errors"] = FlowsJson.Errors(e.Errors) }).ConfigureAwait(false);
        }
        catch (ConflictException e)
        {
            await ConflictAsync(context, e).ConfigureAwait(false);
        }
    }

    private static Task NotFoundAsync(HttpContext context, string what, string id) =>
        HttpJson.WriteProblemAsync(context, 404, "Not Found", $"There is no {what} '{id}'.");

    private static Task ConflictAsync(HttpContext context, ConflictException e) =>
        HttpJson.WriteProblemAsync(context, 409, "Conflict", e.Message);
}
