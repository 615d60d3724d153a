using Flows.Sdk.Components;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Components;

public sealed class ComponentAuthoringTests
{
    [Test]
    public void An_action_class_must_implement_an_action_interface()
    {
        var act = () => ActionDescriptor.For<string>("bad", "Bad");

        act.Should().Throw<ArgumentException>().WithMessage("*IFlowAction*");
    }

    [Test]
    public void Components_can_be_added_by_scanning_an_assembly()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWebhookFlowsCore().AddComponentsFromAssembly(typeof(DynamicComponent).Assembly).AddComponentsFromAssembly(typeof(DynamicComponent).Assembly);
        using var provider = services.BuildServiceProvider();

        var ids = provider.GetServices<IComponent>().Select(c => c.Descriptor.Id).ToList();

        ids.Should().Contain("dynamic").And.Contain("webhook").And.Contain("reply");
        ids.Should().OnlyHaveUniqueItems();
    }

    [Test]
    public async Task Dynamic_metadata_from_the_configuration_drives_publish_validation_and_run_time_checks()
    {
        await using var host = new TestHost();
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWebhookFlowsCore().AddComponent<DynamicComponent>();
        await using var provider = services.BuildServiceProvider();
        var flows = provider.GetRequiredService<IFlowManager>();
        var step = new StepDefinition
        {
            Id = "step_2",
            ComponentId = "dynamic",
            Function = "store",
            Configuration = new JObject { ["fields"] = new JArray("sku", "quantity") },
            Mapping = new Dictionary<string, string> { ["sku"] = "sku" },
        };
        var flow = await flows.CreateAsync(new FlowDraft("dynamic", [TestHost.Trigger(), step]));

        var incomplete = async () => await flows.PublishAsync(flow.Id);
        (await incomplete.Should().ThrowAsync<FlowValidationException>()).Which.Errors.Should().ContainSingle(e => e.Field == "mapping.quantity");

        await flows.UpdateDraftAsync(flow.Id, flow.Draft with { Steps = [TestHost.Trigger(), step with { Mapping = new Dictionary<string, string> { ["sku"] = "sku", ["quantity"] = "n" } }] });
        var published = await flows.PublishAsync(flow.Id);

        published.Version.Definition.Steps[1].InMetadata!["required"]!.Values<string>().Should().Equal("sku", "quantity");
    }

    [Test]
    public async Task The_mapped_input_is_checked_against_the_input_metadata_before_the_action_runs()
    {
        var services = new ServiceCollection();
        services.AddLogging();
        services.AddWebhookFlowsCore().AddComponent<DynamicComponent>();
        await using var provider = services.BuildServiceProvider();
        var flows = provider.GetRequiredService<IFlowManager>();
        var flow = await flows.CreateAsync(new FlowDraft("typed", [TestHost.Trigger(), new StepDefinition
        {
            Id = "step_2",
            ComponentId = "dynamic",
            Function = "typed",
            Mapping = new Dictionary<string, string> { ["count"] = "count", ["colour"] = "colour" },
        }]));
        await flows.PublishAsync(flow.Id);
        await flows.StartAsync(flow.Id);
        var receiver = provider.GetRequiredService<global::Flows.Sdk.Hooks.IWebhookReceiver>();
        var queue = provider.GetRequiredService<IFlowQueue>();
        var runner = provider.GetRequiredService<FlowRunner>();

        async Task<FlowExecution> RunAsync(string body)
        {
            await receiver.ReceiveAsync(TestHost.Request(flow.Id, body: body));
            return await runner.RunAsync((await queue.DequeueAsync()).Message, CancellationToken.None);
        }

        var wrongType = await RunAsync("""{"count": "three", "colour": "red"}""");
        var wrongEnum = await RunAsync("""{"count": 3, "colour": "purple"}""");
        var fine = await RunAsync("""{"count": 3, "colour": "red"}""");

        wrongType.Steps[1].Error!.Message.Should().Be("The input field 'count' must be an integer, but it is a string.");
        wrongEnum.Steps[1].Error!.Message.Should().Contain("'colour' must be one of \"red\", \"green\"");
        fine.Status.Should().Be(ExecutionStatus.Succeeded);
    }
}

/// <summary>A component whose action's input fields come from the step's configuration.</summary>
public sealed class DynamicComponent : IComponent
{
    /// <inheritdoc />
    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = "dynamic",
        Title = "Dynamic",
        Actions =
        [
            ActionDescriptor.For<PassThroughAction>("store", "Store"),
            ActionDescriptor.For<PassThroughAction>("typed", "Typed") with
            {
                InMetadata = JObject.Parse("""
                    {"type": "object", "properties": {"count": {"type": "integer"}, "colour": {"type": "string", "enum": ["red", "green"]}}, "required": ["count"]}
                    """),
            },
        ],
    };

    /// <inheritdoc />
    public ValueTask<ActionMetadata?> GetActionMetadataAsync(ActionRequest request, CancellationToken cancellationToken)
    {
        if (request.Action.Name != "store")
        {
            return new((ActionMetadata?)null);
        }

        var fields = request.Configuration["fields"]?.Values<string>().OfType<string>().ToArray() ?? [];
        var properties = new JObject(fields.Select(f => new JProperty(f, new JObject { ["type"] = "string" })));
        return new(new ActionMetadata(new JObject { ["type"] = "object", ["properties"] = properties, ["required"] = new JArray(fields) }, null));
    }
}

/// <summary>Emits its input.</summary>
public sealed class PassThroughAction : IFlowAction
{
    /// <inheritdoc />
    public ValueTask<JToken?> ExecuteAsync(ActionContext context) => new(context.Input);
}
