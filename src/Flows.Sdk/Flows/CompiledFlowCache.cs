using System.Collections.Concurrent;
using Flows.Sdk.Components;
using Flows.Sdk.Mapping;
using Flows.Sdk.Storage;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Flows;

/// <summary>
/// A published flow version with its mappings compiled: made once (at publish, or on first use after a restart) and shared by every run.
/// </summary>
internal sealed class CompiledFlow
{
    public CompiledFlow(FlowVersion version, IReadOnlyList<CompiledStep> steps, Hooks.HookSettings hook)
    {
        Version = version;
        Steps = steps;
        Hook = hook;
        ExpectsReply = steps.Any(step => step.Component.Descriptor.Id == ReplyComponent.ComponentId);
    }

    /// <summary>The hook settings from the trigger's configuration.</summary>
    public Hooks.HookSettings Hook { get; }

    /// <summary>Whether the flow has a reply step, so that its hook waits for the reply.</summary>
    public bool ExpectsReply { get; }

    public FlowVersion Version { get; }

    public IReadOnlyList<CompiledStep> Steps { get; }

    /// <summary>The same compiled steps under another version (publish checks a candidate before it has its number).</summary>
    public CompiledFlow WithVersion(FlowVersion version) => new(version, Steps, Hook);
}

/// <summary>A step with its component resolved, its metadata settled and its mapping compiled.</summary>
/// <param name="Definition">The step as published.</param>
/// <param name="Component">Its component.</param>
/// <param name="Action">Its action, or <see langword="null"/> for the trigger.</param>
/// <param name="Mapping">Its compiled mapping, required fields and what it emits.</param>
internal sealed record CompiledStep(StepDefinition Definition, IComponent Component, ActionDescriptor? Action, StepMapping Mapping);

/// <summary>
/// Compiles flow versions and keeps them, keyed by flow id and version number. Versions never change, so an entry is never
/// stale; following the flow-state feed it keeps, per flow, only the live and the latest version (a queued message of an
/// older version compiles it again on demand).
/// </summary>
internal sealed class CompiledFlowCache : IDisposable
{
    private readonly ConcurrentDictionary<(string FlowId, int Version), CompiledFlow> _cache = new();
    private readonly IFlowStore _store;
    private readonly ComponentRegistry _components;
    private readonly IMappingEngine _mappingEngine;
    private readonly IDisposable _subscription;

    public CompiledFlowCache(IFlowStore store, ComponentRegistry components, IMappingEngine mappingEngine, IFlowStateFeed stateFeed)
    {
        _store = store;
        _components = components;
        _mappingEngine = mappingEngine;
        _subscription = stateFeed.Subscribe(OnFlowStateChanged);
    }

    /// <summary>How many compiled versions are kept (tests).</summary>
    internal int Count => _cache.Count;

    public void Dispose() => _subscription.Dispose();

    private void OnFlowStateChanged(FlowStateChange change)
    {
        foreach (var key in _cache.Keys)
        {
            if (key.FlowId == change.FlowId && key.Version != change.LiveVersion && key.Version != change.LatestVersion)
            {
                _cache.TryRemove(key, out _);
            }
        }
    }

    public async ValueTask<CompiledFlow?> GetAsync(string flowId, int version, CancellationToken cancellationToken)
    {
        if (_cache.TryGetValue((flowId, version), out var compiled))
        {
            return compiled;
        }

        var stored = await _store.GetVersionAsync(flowId, version, cancellationToken).ConfigureAwait(false);
        if (stored is null)
        {
            return null;
        }

        var errors = new List<FlowValidationError>();
        compiled = Compile(stored, errors);
        if (compiled is null)
        {
            throw new FlowValidationException(errors);
        }

        return _cache.GetOrAdd((flowId, version), compiled);
    }

    public void Add(CompiledFlow compiled) => _cache[(compiled.Version.FlowId, compiled.Version.Number)] = compiled;

    /// <summary>Compiles a version; returns <see langword="null"/> and fills <paramref name="errors"/> when it cannot.</summary>
    public CompiledFlow? Compile(FlowVersion version, List<FlowValidationError> errors)
    {
        var steps = new List<CompiledStep>(version.Definition.Steps.Count);
        foreach (var step in version.Definition.Steps)
        {
            var component = _components.Find(step.ComponentId);
            if (component is null)
            {
                errors.Add(new(step.Id, "componentId", $"Unknown component '{step.ComponentId}'."));
                continue;
            }

            var action = component.Descriptor.FindAction(step.Function);
            try
            {
                steps.Add(new(step, component, action, StepMapping.Compile(_mappingEngine, step, action)));
            }
            catch (StepMappingException e)
            {
                errors.AddRange(e.Errors.Select(error => new FlowValidationError(step.Id, error.Target, error.Message)));
            }
        }

        var hook = version.Definition.Steps.Count > 0 && version.Definition.Steps[0].ComponentId == WebhookComponent.ComponentId
            ? Hooks.HookSettings.Read(version.Definition.Steps[0], errors)
            : Hooks.HookSettings.Default;
        return errors.Count == 0 ? new CompiledFlow(version, steps, hook!) : null;
    }
}
