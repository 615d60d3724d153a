using System.Diagnostics;
using System.Globalization;
using Flows.Sdk.Components;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Execution;
using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Flows.Sdk.Samples;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Flows;

/// <summary>The flow lifecycle: drafts are checked for shape when saved, and for completeness when published.</summary>
internal sealed class FlowManager(
    IFlowStore store,
    ICredentialStore credentials,
    ComponentRegistry components,
    CompiledFlowCache compiledFlows,
    SampleParserSelector sampleParsers,
    IOptions<SampleParseOptions> sampleOptions,
    IServiceProvider services,
    TimeProvider time,
    IFlowStateFeed stateFeed,
    ILogger<FlowManager> logger,
    FlowStops stops,
    IOptions<JsonataOptions> mappingOptions,
    IExecutionStore executions,
    Hooks.IRefusedDeliveryStore refusedDeliveries) : IFlowManager
{
    private const int MaxSteps = 100;
    private const int MaxStepNameLength = 200;
    private const int MaxStepNoteLength = 2000;
    private const int MaxFlowNameLength = 200;

    /// <summary>The longest a step's own mapping time limit may be, in seconds.</summary>
    internal const double MaxMappingTimeLimitSeconds = 300;

    /// <summary>The sample checks' shared time when the host set no mapping time limit at all.</summary>
    private static readonly TimeSpan DefaultSampleCheckTime = TimeSpan.FromSeconds(5);

    public async ValueTask<Flow> CreateAsync(FlowDraft draft, CancellationToken cancellationToken = default)
    {
        draft = CheckShape(draft);
        var now = time.GetUtcNow();
        var flow = new Flow
        {
            Id = Ids.New(),
            State = FlowState.Draft,
            Draft = draft,
            CreatedAt = now,
            UpdatedAt = now,
            Revision = 1,
        };
        await store.AddAsync(flow, cancellationToken).ConfigureAwait(false);
        Log.FlowCreated(logger, flow.Id);
        return flow;
    }

    public ValueTask<Flow?> GetAsync(string flowId, CancellationToken cancellationToken = default) =>
        store.GetAsync(flowId, cancellationToken);

    public ValueTask<IReadOnlyList<Flow>> ListAsync(CancellationToken cancellationToken = default) =>
        store.ListAsync(cancellationToken);

    public ValueTask<FlowVersion?> GetVersionAsync(string flowId, int version, CancellationToken cancellationToken = default) =>
        store.GetVersionAsync(flowId, version, cancellationToken);

    public async ValueTask<Flow> UpdateDraftAsync(string flowId, FlowDraft draft, CancellationToken cancellationToken = default)
    {
        draft = CheckShape(draft);
        var (updated, _) = await UpdateAsync(flowId, flow => (flow with { Draft = draft }, null), cancellationToken).ConfigureAwait(false);
        return updated;
    }

    public async ValueTask<PublishResult> PublishAsync(string flowId, CancellationToken cancellationToken = default)
    {
        CompiledFlow? compiled = null;
        var current = await store.GetAsync(flowId, cancellationToken).ConfigureAwait(false) ?? throw new FlowNotFoundException(flowId);
        var definition = await CheckCompleteAsync(current.Draft, cancellationToken).ConfigureAwait(false);

        // The mappings are compiled and tried on the samples before anything is stored: a mapping that overruns its limits
        // there refuses the publish.
        var compileErrors = new List<FlowValidationError>();
        var candidate = compiledFlows.Compile(new FlowVersion(flowId, (current.LatestVersion ?? 0) + 1, definition, time.GetUtcNow()), compileErrors)
            ?? throw new FlowValidationException(compileErrors);
        var (warnings, refusals) = CheckSamples(candidate, cancellationToken);
        if (refusals.Count > 0)
        {
            throw new FlowValidationException(refusals);
        }

        var (flow, version) = await UpdateAsync(flowId, flow =>
        {
            if (!ReferenceEquals(flow.Draft, current.Draft))
            {
                throw new FlowStateException($"The draft of flow '{flow.Id}' changed while it was being published; publish again.");
            }

            var number = (flow.LatestVersion ?? 0) + 1;
            var version = new FlowVersion(flow.Id, number, definition, time.GetUtcNow());
            compiled = candidate.WithVersion(version);
            var published = flow with
            {
                LatestVersion = number,
                State = flow.State == FlowState.Draft ? FlowState.Stopped : flow.State,
                LiveVersion = flow.State == FlowState.Running ? number : flow.LiveVersion,
            };
            return (published, version);
        }, cancellationToken).ConfigureAwait(false);

        compiledFlows.Add(compiled!);
        await stateFeed.PublishAsync(FlowStateChange.Of(FlowStateChangeKind.Published, flow), CancellationToken.None).ConfigureAwait(false);
        Log.FlowPublished(logger, flow.Id, version!.Number);
        return new PublishResult(version, warnings);
    }

    public async ValueTask<Flow> StartAsync(string flowId, CancellationToken cancellationToken = default)
    {
        var (flow, _) = await UpdateAsync(flowId, flow =>
        {
            if (flow.LatestVersion is not { } latest)
            {
                throw new FlowStateException($"Flow '{flow.Id}' has no published version: publish its draft before starting it.");
            }

            return (flow with { State = FlowState.Running, LiveVersion = latest }, null);
        }, cancellationToken).ConfigureAwait(false);
        await stateFeed.PublishAsync(FlowStateChange.Of(FlowStateChangeKind.Started, flow), CancellationToken.None).ConfigureAwait(false);
        Log.FlowStarted(logger, flow.Id, flow.LiveVersion!.Value);
        return flow;
    }

    public async ValueTask<Flow> StopAsync(string flowId, CancellationToken cancellationToken = default)
    {
        var (flow, _) = await UpdateAsync(flowId, flow => flow.State switch
        {
            FlowState.Draft => (flow, null),
            _ => (flow with { State = FlowState.Stopped, LiveVersion = null }, null),
        }, cancellationToken).ConfigureAwait(false);

        // Its running executions end now (failed, "The flow was stopped while this execution ran"), freeing their workers.
        stops.Stop(flow.Id);
        await stateFeed.PublishAsync(FlowStateChange.Of(FlowStateChangeKind.Stopped, flow), CancellationToken.None).ConfigureAwait(false);
        Log.FlowStopped(logger, flow.Id);
        return flow;
    }

    public async ValueTask<Flow> RenameAsync(string flowId, string name, CancellationToken cancellationToken = default)
    {
        var trimmed = CheckFlowName(name);
        var (flow, _) = await UpdateAsync(flowId, flow => string.Equals(flow.Draft.Name, trimmed, StringComparison.Ordinal)
            ? (flow, null)
            : (flow with { Draft = flow.Draft with { Name = trimmed } }, null), cancellationToken).ConfigureAwait(false);
        Log.FlowRenamed(logger, flow.Id);
        return flow;
    }

    public async ValueTask DeleteAsync(string flowId, CancellationToken cancellationToken = default)
    {
        while (true)
        {
            var current = await store.GetAsync(flowId, cancellationToken).ConfigureAwait(false) ?? throw new FlowNotFoundException(flowId);
            if (current.State == FlowState.Running)
            {
                throw new FlowStateException($"Flow '{flowId}' is running: stop it before deleting it.");
            }

            if (await store.DeleteAsync(flowId, current.Revision, cancellationToken).ConfigureAwait(false))
            {
                break;
            }
        }

        // Its finished executions go with it; running ones (none, once stopped, but for a rebound still waiting) end by themselves.
        await executions.PruneAsync(flowId, DateTimeOffset.MaxValue, 0, cancellationToken).ConfigureAwait(false);
        await refusedDeliveries.RemoveAsync(flowId, cancellationToken).ConfigureAwait(false);
        Log.FlowDeleted(logger, flowId);
    }

    private static string CheckFlowName(string name)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            throw new FlowValidationException([new(null, "name", "The flow needs a name.")]);
        }

        if (trimmed.Length > MaxFlowNameLength)
        {
            throw new FlowValidationException([new(null, "name", $"A flow's name has at most {MaxFlowNameLength} characters; this one has {trimmed.Length}.")]);
        }

        return trimmed;
    }

    /// <summary>Applies <paramref name="change"/> with optimistic concurrency, retrying when another writer got there first.</summary>
    private async ValueTask<(Flow Flow, FlowVersion? Version)> UpdateAsync(
        string flowId, Func<Flow, (Flow Flow, FlowVersion? Version)> change, CancellationToken cancellationToken)
    {
        while (true)
        {
            var current = await store.GetAsync(flowId, cancellationToken).ConfigureAwait(false) ?? throw new FlowNotFoundException(flowId);
            var (changed, version) = change(current);
            if (ReferenceEquals(changed, current))
            {
                return (current, version);
            }

            changed = changed with { Revision = current.Revision + 1, UpdatedAt = time.GetUtcNow() };
            if (await store.TryUpdateAsync(changed, current.Revision, version, cancellationToken).ConfigureAwait(false))
            {
                return (changed, version);
            }
        }
    }

    /// <summary>What a draft must be to be saved at all: named, with uniquely named steps and valid samples.</summary>
    private FlowDraft CheckShape(FlowDraft draft)
    {
        ArgumentNullException.ThrowIfNull(draft);
        var errors = new List<FlowValidationError>();
        if (string.IsNullOrWhiteSpace(draft.Name))
        {
            errors.Add(new(null, "name", "The flow needs a name."));
        }
        else if (draft.Name.Length > MaxFlowNameLength)
        {
            errors.Add(new(null, "name", $"A flow's name has at most {MaxFlowNameLength} characters; this one has {draft.Name.Length}."));
        }

        if (draft.Steps is null)
        {
            errors.Add(new(null, "steps", "The flow needs a list of steps."));
            throw new FlowValidationException(errors);
        }

        if (draft.Steps.Count > MaxSteps)
        {
            errors.Add(new(null, "steps", $"A flow has at most {MaxSteps} steps; this one has {draft.Steps.Count}."));
        }

        var ids = new HashSet<string>(StringComparer.Ordinal);
        var steps = new List<StepDefinition>(draft.Steps.Count);
        for (var i = 0; i < draft.Steps.Count; i++)
        {
            var step = draft.Steps[i];
            var where = $"steps[{i}]";
            if (step is null)
            {
                errors.Add(new(null, where, "A step cannot be null."));
                continue;
            }

            if (string.IsNullOrEmpty(step.Id) || !step.Id.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-') || step.Id.Length > 64)
            {
                errors.Add(new(step.Id, $"{where}.id", "A step id is 1 to 64 letters, digits, '_' or '-'."));
            }
            else if (!ids.Add(step.Id))
            {
                errors.Add(new(step.Id, $"{where}.id", $"Two steps have the id '{step.Id}'."));
            }

            if (string.IsNullOrWhiteSpace(step.ComponentId))
            {
                errors.Add(new(step.Id, $"{where}.componentId", "A step needs a component id."));
            }

            if (string.IsNullOrWhiteSpace(step.Function))
            {
                errors.Add(new(step.Id, $"{where}.function", "A step needs a function (a trigger or action of its component)."));
            }

            if (step.Name is { Length: > MaxStepNameLength })
            {
                errors.Add(new(step.Id, $"{where}.name", $"A step's name has at most {MaxStepNameLength} characters; this one has {step.Name.Length}."));
            }

            if (step.Note is { Length: > MaxStepNoteLength })
            {
                errors.Add(new(step.Id, $"{where}.note", $"A step's note has at most {MaxStepNoteLength} characters; this one has {step.Note.Length}."));
            }

            if (step.MappingTimeLimitSeconds is { } limit && !(limit > 0 && limit <= MaxMappingTimeLimitSeconds))
            {
                errors.Add(new(step.Id, $"{where}.mappingTimeLimitSeconds",
                    $"mappingTimeLimitSeconds must be more than 0 and at most {MaxMappingTimeLimitSeconds}; it is {limit.ToString(CultureInfo.InvariantCulture)}."));
            }

            steps.Add(step.Sample is null ? step : step with { Sample = ParseSample(step, where, errors) });
        }

        if (errors.Count > 0)
        {
            throw new FlowValidationException(errors);
        }

        return draft with { Steps = steps };
    }

    private SampleDefinition ParseSample(StepDefinition step, string where, List<FlowValidationError> errors)
    {
        var sample = step.Sample!;
        try
        {
            var parsed = sampleParsers.Parse(sample.Format ?? string.Empty, sample.Data ?? string.Empty, sampleOptions.Value);
            return sample with { Sample = parsed.Sample, Schema = parsed.Schema };
        }
        catch (SampleFormatException e)
        {
            errors.Add(new(step.Id, $"{where}.sample", e.MessageWithLocation));
            return sample;
        }
    }

    /// <summary>What a draft must be to be published: a trigger first, known components and functions, required inputs mapped, credentials that exist and fit.</summary>
    private async ValueTask<FlowDraft> CheckCompleteAsync(FlowDraft draft, CancellationToken cancellationToken)
    {
        var errors = new List<FlowValidationError>();
        var resolved = draft.Steps.ToArray();
        if (draft.Steps.Count == 0)
        {
            errors.Add(new(null, "steps", "A flow needs at least a trigger step."));
        }

        for (var i = 0; i < draft.Steps.Count; i++)
        {
            var step = draft.Steps[i];
            var component = components.Find(step.ComponentId);
            if (component is null)
            {
                errors.Add(new(step.Id, "componentId", $"Unknown component '{step.ComponentId}'."));
                continue;
            }

            var descriptor = component.Descriptor;
            if (i == 0)
            {
                if (descriptor.FindTrigger(step.Function) is null)
                {
                    errors.Add(new(step.Id, "function", descriptor.FindAction(step.Function) is not null
                        ? $"The first step must be a trigger, but '{step.Function}' is an action of '{descriptor.Id}'."
                        : $"Component '{descriptor.Id}' has no trigger '{step.Function}'."));
                }
            }
            else
            {
                var action = descriptor.FindAction(step.Function);
                if (action is null)
                {
                    errors.Add(new(step.Id, "function", descriptor.FindTrigger(step.Function) is not null
                        ? $"Only the first step can be a trigger; '{step.Function}' is a trigger of '{descriptor.Id}'."
                        : $"Component '{descriptor.Id}' has no action '{step.Function}'."));
                }
                else
                {
                    resolved[i] = step = await ResolveMetadataAsync(step, component, action, errors, cancellationToken).ConfigureAwait(false);
                    CheckMapping(step, action, errors);
                }
            }

            await CheckCredentialAsync(step, descriptor, errors, cancellationToken).ConfigureAwait(false);
        }

        if (errors.Count > 0)
        {
            throw new FlowValidationException(errors);
        }

        return draft with { Steps = resolved };
    }

    /// <summary>Asks the component for the step's dynamic metadata (at most 30 s) and keeps it on the step.</summary>
    private async ValueTask<StepDefinition> ResolveMetadataAsync(
        StepDefinition step, IComponent component, ActionDescriptor action, List<FlowValidationError> errors, CancellationToken cancellationToken)
    {
        var credential = step.CredentialId is null ? null : await credentials.GetAsync(step.CredentialId, cancellationToken).ConfigureAwait(false);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(30));
        try
        {
            var metadata = await component.GetActionMetadataAsync(
                new ActionRequest(action, step.Configuration ?? [], credential?.Fields ?? [], services), timeout.Token).ConfigureAwait(false);
            return metadata is null ? step with { InMetadata = null, OutMetadata = null } : step with { InMetadata = metadata.InMetadata, OutMetadata = metadata.OutMetadata };
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            errors.Add(new(step.Id, "configuration", $"The component could not compute the action's metadata: {e.Message}"));
            return step;
        }
    }

    private static void CheckMapping(StepDefinition step, ActionDescriptor action, List<FlowValidationError> errors)
    {
        if (step.MappingExpression is not null)
        {
            // Developer mode: which fields the expression produces is known only when it runs; the input is checked then.
            if (step.Mapping is { Count: > 0 })
            {
                errors.Add(new(step.Id, "mapping", "A step has either a mapping per field or one mapping expression, not both."));
            }

            return;
        }

        var mapping = step.Mapping ?? new Dictionary<string, string>();
        var inMetadata = StepMapping.InMetadataOf(step, action);
        foreach (var required in StepMapping.RequiredFieldsOf(step, action))
        {
            if (!mapping.TryGetValue(required, out var expression) || string.IsNullOrWhiteSpace(expression))
            {
                errors.Add(new(step.Id, $"mapping.{required}", $"The required input field '{required}' of '{action.Name}' is not mapped."));
            }
        }

        if (inMetadata?["properties"] is JObject properties)
        {
            foreach (var field in mapping.Keys)
            {
                if (properties[field] is null)
                {
                    errors.Add(new(step.Id, $"mapping.{field}", $"'{action.Name}' has no input field '{field}'."));
                }
            }
        }
    }

    private async ValueTask CheckCredentialAsync(StepDefinition step, ComponentDescriptor descriptor, List<FlowValidationError> errors, CancellationToken cancellationToken)
    {
        if (step.CredentialId is null)
        {
            if (descriptor.CredentialFields.Any(f => f.Required) && descriptor.Id != WebhookComponent.ComponentId)
            {
                errors.Add(new(step.Id, "credentialId", $"Component '{descriptor.Id}' needs a credential."));
            }

            return;
        }

        var credential = await credentials.GetAsync(step.CredentialId, cancellationToken).ConfigureAwait(false);
        if (credential is null)
        {
            errors.Add(new(step.Id, "credentialId", $"Credential '{step.CredentialId}' does not exist."));
        }
        else if (!string.Equals(credential.ComponentId, descriptor.Id, StringComparison.Ordinal))
        {
            errors.Add(new(step.Id, "credentialId", $"Credential '{step.CredentialId}' belongs to component '{credential.ComponentId}', not '{descriptor.Id}'."));
        }
    }

    /// <summary>
    /// Evaluates each mapping expression on the sample of the data it will get. An expression that gives nothing there
    /// probably names a field the payload does not have, one that fails there may fail on real payloads: warnings only, real
    /// payloads vary. An expression that overruns its time or size limit there (<c>U1001</c>, <c>U1002</c>) is an error: it
    /// would hold a worker for its whole limit on every message. All the evaluations of one publish share one deadline (the
    /// host's mapping time limit), so that a publish answers within it however many runaway fields it has; fields left
    /// notChecked when it runs out are named in an error.
    /// </summary>
    private (IReadOnlyList<FlowValidationError> Warnings, IReadOnlyList<FlowValidationError> Errors) CheckSamples(
        CompiledFlow flow, CancellationToken cancellationToken)
    {
        var warnings = new List<FlowValidationError>();
        var errors = new List<FlowValidationError>();
        var notChecked = new List<string>();
        var hostLimit = mappingOptions.Value.TimeLimit;
        var shared = hostLimit ?? DefaultSampleCheckTime;

        // Wall-clock, as the engine measures its own limit: this bounds CPU work, not the flow's (fake or real) clock.
        var deadline = Stopwatch.GetTimestamp() + (long)(shared.TotalSeconds * Stopwatch.Frequency);
        var samples = new JObject();
        JObject? previous = null;
        foreach (var step in flow.Steps)
        {
            if (previous is not null && step.Action is not null)
            {
                var bindings = new Dictionary<string, JToken?>(StringComparer.Ordinal) { ["steps"] = samples };
                var own = step.Mapping.TimeLimit ?? hostLimit;

                // Each part on its own, going on past a failure: a publish names every mapping that looks wrong.
                foreach (var part in step.Mapping.Parts)
                {
                    var result = TryEvaluate(step, part.Target, part.Expression, previous, bindings, own);
                    if (part.Field is null && result is { Value: not JObject })
                    {
                        warnings.Add(new(step.Definition.Id, part.Target, $"'{part.Expression.Source}' does not give an object on the sample of the incoming data."));
                    }
                    else if (part.Field is not null && result is { Undefined: true })
                    {
                        warnings.Add(new(step.Definition.Id, part.Target,
                            $"'{part.Expression.Source}' gives no value on the sample of the incoming data; check the field names."));
                    }
                }
            }

            previous = step.Mapping.OutputSample;
            if (previous is null)
            {
                // Without a sample of this step's output, the next mappings cannot be checked.
                break;
            }

            samples[step.Definition.Id] = previous;
        }

        if (notChecked.Count > 0)
        {
            errors.Add(new(null, "mapping",
                $"The sample checks of this publish ran out of their shared time ({shared.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s); " +
                $"these mappings could not be checked: {string.Join(", ", notChecked)}."));
        }

        return (warnings, errors);

        // The result (null when the evaluation failed or was not made); Undefined when it gave nothing.
        SampleResult? TryEvaluate(CompiledStep step, string where, IMappingExpression expression, JObject input,
            Dictionary<string, JToken?> bindings, TimeSpan? own)
        {
            var remaining = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), deadline);
            if (remaining <= TimeSpan.Zero)
            {
                notChecked.Add($"step '{step.Definition.Id}' {where}");
                return null;
            }

            var limit = own is { } mine && mine < remaining ? mine : remaining;
            try
            {
                var value = expression.Evaluate(input, bindings, new EvaluationLimits(limit), cancellationToken);
                return new SampleResult(value);
            }
            catch (MappingException e) when (e.Code is "U1001" or "U1002")
            {
                var cut = limit < (own ?? TimeSpan.MaxValue) ? $" (it ran out of the {shared.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s the publish's sample checks share)" : string.Empty;
                errors.Add(new(step.Definition.Id, where, $"'{expression.Source}' overruns its limits on the sample ({e.Code}){cut}: {e.Message}"));
                return null;
            }
            catch (MappingException e)
            {
                warnings.Add(new(step.Definition.Id, where, $"'{expression.Source}' fails on the sample ({e.Code}): {e.Message}"));
                return null;
            }
        }
    }

    private sealed record SampleResult(JToken? Value)
    {
        public bool Undefined => Value is null;
    }

    public async ValueTask<Flow> RetrieveSampleAsync(string flowId, string stepId, CancellationToken cancellationToken = default)
    {
        var current = await store.GetAsync(flowId, cancellationToken).ConfigureAwait(false) ?? throw new FlowNotFoundException(flowId);
        var index = current.Draft.Steps.ToList().FindIndex(s => s.Id == stepId);
        if (index < 0)
        {
            throw new FlowValidationException([new(stepId, "stepId", $"Flow '{flowId}' has no step '{stepId}'.")]);
        }

        var step = current.Draft.Steps[index];
        var component = components.Find(step.ComponentId)
            ?? throw new FlowValidationException([new(stepId, "componentId", $"Unknown component '{step.ComponentId}'.")]);
        var action = component.Descriptor.FindAction(step.Function)
            ?? throw new FlowValidationException([new(stepId, "function", $"Component '{component.Descriptor.Id}' has no action '{step.Function}': only actions have output samples to retrieve.")]);

        var credential = step.CredentialId is null ? null : await credentials.GetAsync(step.CredentialId, cancellationToken).ConfigureAwait(false);
        var request = new ActionRequest(action, step.Configuration ?? [], credential?.Fields ?? [], services);
        JObject sample;
        try
        {
            sample = await component.RetrieveSampleAsync(request, cancellationToken).ConfigureAwait(false)
                ?? StepMapping.SampleOfSchema(StepMapping.DeclaredOutputOf(step, action)) ?? [];
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new FlowValidationException([new(stepId, "sample", $"The component could not retrieve a sample: {e.Message}")]);
        }

        var text = sample.ToString(Formatting.Indented);
        var parsed = sampleParsers.Parse(SampleFormats.Json, text, sampleOptions.Value);
        var definition = new SampleDefinition(SampleFormats.Json, text) { Sample = parsed.Sample, Schema = parsed.Schema };
        var steps = current.Draft.Steps.ToArray();
        steps[index] = step with { Sample = definition };
        return await UpdateDraftAsync(flowId, current.Draft with { Steps = steps }, cancellationToken).ConfigureAwait(false);
    }
}
