using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;

namespace Flows.Sdk.Jsonata.Tests;

/// <summary>
/// Flows.Sdk.Jsonata stands alone: Flows.Sdk depends on it, never the other way, and it needs nothing but Newtonsoft.Json.
/// </summary>
[TestFixture]
public class PackageBoundaryTests
{
    [Test]
    [CancelAfter(10_000)]
    public void The_engine_assembly_references_no_Flows_Sdk_assembly()
    {
        var assembly = typeof(JsonataMappingEngine).Assembly;
        assembly.GetName().Name.Should().Be("Flows.Sdk.Jsonata");

        var referenced = assembly.GetReferencedAssemblies().Select(a => a.Name!).ToList();

        referenced.Should().Contain("Newtonsoft.Json");
        referenced.Where(n => n.StartsWith("Flows.", StringComparison.Ordinal)).Should().BeEmpty(
            "the engine is a package of its own and the core depends on it, not the other way round");
        referenced.Where(n => n.StartsWith("Microsoft.Extensions.", StringComparison.Ordinal)).Should().BeEmpty(
            "the host builds the engine from its options; the package needs no Options or DI dependency");
    }

    [Test]
    [CancelAfter(10_000)]
    public void The_mapping_abstractions_ship_with_the_engine_under_their_namespaces()
    {
        var assembly = typeof(JsonataMappingEngine).Assembly;
        var types = new[]
        {
            typeof(IMappingEngine), typeof(IMappingExpression), typeof(EvaluationLimits), typeof(MappingException),
            typeof(JsonataOptions), typeof(JsonataFunction),
        };

        types.Should().OnlyContain(t => t.Assembly == assembly);
        types.Select(t => t.Namespace).Distinct().Should().BeEquivalentTo("Flows.Sdk.Mapping", "Flows.Sdk.Mapping.Jsonata");
    }
}
