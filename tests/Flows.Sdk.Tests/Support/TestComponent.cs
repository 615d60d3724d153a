using System.Runtime.CompilerServices;
using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Support;

/// <summary>A component built for the tests: actions that echo, fan out, fail; a credential check that can hang.</summary>
internal sealed class TestComponent : IComponent
{
    public const string Id = "test";

    public static readonly JObject ValueInput = JObject.Parse("""
        { "type": "object", "properties": { "value": { "type": "string" }, "extra": { "type": "string" } }, "required": ["value"] }
        """);

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Title = "Test component",
        CredentialFields = [new("token", "Token") { Required = true, Secret = true }, new("region", "Region")],
        Actions =
        [
            ActionDescriptor.For<EchoAction>("echo", "Echo") with { InMetadata = ValueInput },
            ActionDescriptor.For<FanOutAction>("fanout", "Fan out") with { InMetadata = ValueInput },
            ActionDescriptor.For<FailAction>("fail", "Fail") with { InMetadata = ValueInput },
            ActionDescriptor.For<EchoAction>("free", "Echo without declared inputs"),
        ],
    };

    public ValueTask<CredentialVerificationResult> VerifyCredentialAsync(JObject fields, CancellationToken cancellationToken) =>
        (string?)fields["token"] switch
        {
            "hang" => new(Hang(cancellationToken)),
            "throw" => throw new InvalidOperationException("the check broke"),
            "good" => new(CredentialVerificationResult.Success),
            _ => new(CredentialVerificationResult.Failed("bad token")),
        };

    private static async Task<CredentialVerificationResult> Hang(CancellationToken cancellationToken)
    {
        await Task.Delay(Timeout.Infinite, cancellationToken);
        return CredentialVerificationResult.Success;
    }
}

internal sealed class EchoAction : IFlowAction
{
    public ValueTask<JToken?> ExecuteAsync(ActionContext context) =>
        new(new JObject { ["echo"] = context.Input.DeepClone(), ["region"] = context.Credential["region"]?.DeepClone() });
}

internal sealed class FanOutAction : IStreamingFlowAction
{
    public async IAsyncEnumerable<JToken> ExecuteAsync(ActionContext context)
    {
        foreach (var part in ((string)context.Input["value"]!).Split(','))
        {
            await Task.Yield();
            yield return new JObject { ["part"] = part };
        }
    }
}

internal sealed class FailAction : IFlowAction
{
    public ValueTask<JToken?> ExecuteAsync(ActionContext context) =>
        throw new InvalidOperationException($"cannot handle '{context.Input["value"]}'");
}
