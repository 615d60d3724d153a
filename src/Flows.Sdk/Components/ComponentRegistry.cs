using System.Collections.Frozen;

namespace Flows.Sdk.Components;

/// <summary>The components known to a host, by id.</summary>
internal sealed class ComponentRegistry : IComponentCatalog
{
    private readonly FrozenDictionary<string, IComponent> _components;

    public ComponentRegistry(IEnumerable<IComponent> components)
    {
        var byId = new Dictionary<string, IComponent>(StringComparer.Ordinal);
        foreach (var component in components)
        {
            var id = component.Descriptor.Id;
            if (!byId.TryAdd(id, component) && byId[id].GetType() != component.GetType())
            {
                throw new InvalidOperationException(
                    $"Two components share the id '{id}': {byId[id].GetType().FullName} and {component.GetType().FullName}.");
            }
        }

        _components = byId.ToFrozenDictionary(StringComparer.Ordinal);
        Components = [.. _components.Values.OrderBy(c => c.Descriptor.Id, StringComparer.Ordinal)];
    }

    public IEnumerable<IComponent> All => _components.Values;

    public IReadOnlyList<IComponent> Components { get; }

    public IComponent? Find(string componentId) => _components.GetValueOrDefault(componentId);
}
