using Flows.Sdk.Flows;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests;

/// <summary>The public JSON form of drafts: what <see cref="FlowsJson.Draft"/> writes, <see cref="FlowsJson.ReadDraft"/> reads back.</summary>
public class FlowsJsonTests
{
    [Test]
    public void A_draft_written_in_the_json_form_reads_back_the_same()
    {
        var draft = new FlowDraft("orders",
        [
            new StepDefinition { Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = "c1" },
            new StepDefinition
            {
                Id = "step_2", ComponentId = "petstore", Function = "createPet",
                Mapping = new Dictionary<string, string> { ["name"] = "step_1.petname" },
            },
        ]);
        var errors = new List<FlowValidationError>();

        var json = FlowsJson.Draft(draft);
        var read = FlowsJson.ReadDraft(JObject.Parse(json.ToString()), errors);

        errors.Should().BeEmpty();
        json["steps"]![1]!["componentId"]!.ToString().Should().Be("petstore");
        read!.Name.Should().Be("orders");
        read.Steps.Select(s => (s.Id, s.ComponentId, s.Function, s.CredentialId)).Should().Equal(
            ("step_1", "webhook", "receive", "c1"), ("step_2", "petstore", "createPet", null));
        read.Steps[1].Mapping.Should().BeEquivalentTo(new Dictionary<string, string> { ["name"] = "step_1.petname" });
    }

    [Test]
    public void A_bad_draft_adds_its_errors_by_path_to_the_callers_list()
    {
        var earlier = new FlowValidationError(null, "elsewhere", "an error the caller had already");
        var errors = new List<FlowValidationError> { earlier };

        var read = FlowsJson.ReadDraft(JObject.Parse("""{"name": "x", "steps": [{"id": "a", "componentId": 5}]}"""), errors);

        read.Should().BeNull();
        errors[0].Should().Be(earlier);
        errors.Skip(1).Select(e => e.Field).Should().Contain(["steps[0].componentId", "steps[0].function"]);
    }

    [Test]
    public void A_good_draft_reads_even_when_the_callers_list_already_holds_errors()
    {
        var errors = new List<FlowValidationError> { new(null, "elsewhere", "an error the caller had already") };

        var read = FlowsJson.ReadDraft(JObject.Parse("""{"name": "x", "steps": [{"id": "a", "componentId": "webhook", "function": "receive"}]}"""), errors);

        read.Should().NotBeNull();
        errors.Should().ContainSingle();
    }
}
