using Flows.Sdk.Mapping;
using Flows.Sdk.Mapping.Jsonata;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Mapping;

/// <summary>
/// The core registers the JSONata engine (from the Flows.Sdk.Jsonata package) with a factory reading the configured
/// <see cref="JsonataOptions"/>, so that the engine package itself needs no Options dependency.
/// </summary>
[TestFixture]
public class JsonataRegistrationTests
{
    [Test]
    [CancelAfter(10_000)]
    public void The_core_builds_the_engine_from_the_configured_JsonataOptions()
    {
        var services = new ServiceCollection();
        services.AddWebhookFlowsCore();
        services.Configure<JsonataOptions>(o =>
        {
            o.RegisterFunction("hello", args => new JValue("hello " + (string?)args[0]), "<s:s>");
            o.MaxEvaluationSize = 1_000;
        });
        using var provider = services.BuildServiceProvider();

        var engine = provider.GetRequiredService<IMappingEngine>();

        engine.Should().BeOfType<JsonataMappingEngine>();
        provider.GetRequiredService<IMappingEngine>().Should().BeSameAs(engine, "the engine is a singleton");
        ((string)engine.Compile("$hello(name)").Evaluate(JObject.Parse("{\"name\":\"flows\"}"))!).Should().Be("hello flows");
        var overrun = () => engine.Compile("[1..5000]").Evaluate(null);
        overrun.Should().Throw<MappingException>().Which.Code.Should().Be("U1002", "the configured MaxEvaluationSize applies");
    }

    [Test]
    [CancelAfter(10_000)]
    public void Invalid_JsonataOptions_fail_when_the_engine_is_resolved()
    {
        var services = new ServiceCollection();
        services.AddWebhookFlowsCore();
        services.Configure<JsonataOptions>(o => o.MaxDepth = 0);
        using var provider = services.BuildServiceProvider();

        var resolve = () => provider.GetRequiredService<IMappingEngine>();

        resolve.Should().Throw<ArgumentOutOfRangeException>().WithMessage("*MaxDepth must be positive*");
    }

    [Test]
    [CancelAfter(10_000)]
    public void An_engine_registered_by_the_host_wins()
    {
        var mine = new JsonataMappingEngine(new JsonataOptions { MaxDepth = 50 });
        var services = new ServiceCollection();
        services.AddSingleton<IMappingEngine>(mine);
        services.AddWebhookFlowsCore();
        using var provider = services.BuildServiceProvider();

        provider.GetRequiredService<IMappingEngine>().Should().BeSameAs(mine);
    }
}
