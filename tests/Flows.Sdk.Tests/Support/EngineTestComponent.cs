using System.Collections.Concurrent;
using System.Net;
using Flows.Sdk.Components;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Support;

/// <summary>Actions that exercise the engine: snapshots, rebounds, transient and permanent failures, emitted errors, a gate.</summary>
internal sealed class EngineTestComponent : IComponent
{
    public const string Id = "engine";

    private static readonly JObject KeyInput = JObject.Parse("""{ "type": "object", "properties": { "key": {}, "times": {} }, "required": ["key"] }""");

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = Id,
        Title = "Engine test component",
        Actions =
        [
            ActionDescriptor.For<CountingAction>("count", "Count with a snapshot") with { InMetadata = KeyInput },
            ActionDescriptor.For<ReboundingAction>("rebound", "Rebound until the attempt reaches 'times'") with { InMetadata = KeyInput },
            ActionDescriptor.For<FlakyAction>("flaky", "Fail transiently 'times' times") with { InMetadata = KeyInput },
            ActionDescriptor.For<BadRequestAction>("badRequest", "Fail with HTTP 400") with { InMetadata = KeyInput },
            ActionDescriptor.For<EmitErrorAction>("emitError", "Emit an error") with { InMetadata = KeyInput },
            ActionDescriptor.For<GateAction>("gate", "Wait for the gate") with { InMetadata = KeyInput },
        ],
    };
}

/// <summary>State the test actions share with the test, per service provider.</summary>
internal sealed class EngineTestState
{
    public ConcurrentDictionary<string, int> Calls { get; } = new();

    public SemaphoreSlim Gate { get; } = new(0);

    public int Concurrent;

    public int MaxConcurrent;

    public int Call(ActionContext context) => Calls.AddOrUpdate((string)context.Input["key"]!, 1, (_, n) => n + 1);
}

internal sealed class CountingAction : IFlowAction
{
    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        var count = ((int?)context.Snapshot?["count"] ?? 0) + 1;
        await context.EmitSnapshotAsync(new JObject { ["count"] = count });
        return new JObject { ["count"] = count };
    }
}

internal sealed class ReboundingAction : IFlowAction
{
    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        if (context.Attempt < (int)context.Input["times"]!)
        {
            await context.EmitReboundAsync($"not ready at attempt {context.Attempt}");
            return new JObject { ["discarded"] = true };
        }

        return new JObject { ["readyAt"] = context.Attempt };
    }
}

internal sealed class FlakyAction(EngineTestState state) : IFlowAction
{
    public ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        var call = state.Call(context);
        if (call <= (int)context.Input["times"]!)
        {
            throw new HttpRequestException("upstream is down", null, HttpStatusCode.ServiceUnavailable);
        }

        return new(new JObject { ["calls"] = call });
    }
}

internal sealed class BadRequestAction(EngineTestState state) : IFlowAction
{
    public ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        state.Call(context);
        throw new HttpRequestException("the API refused the input", null, HttpStatusCode.BadRequest);
    }
}

internal sealed class EmitErrorAction : IFlowAction
{
    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        await context.EmitErrorAsync("the input is not acceptable");
        return new JObject { ["ignored"] = true };
    }
}

internal sealed class GateAction(EngineTestState state) : IFlowAction
{
    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        var now = Interlocked.Increment(ref state.Concurrent);
        int max;
        while (now > (max = Volatile.Read(ref state.MaxConcurrent)) && Interlocked.CompareExchange(ref state.MaxConcurrent, now, max) != max)
        {
        }

        try
        {
            await state.Gate.WaitAsync(context.CancellationToken);
            return new JObject { ["passed"] = context.Input["key"] };
        }
        finally
        {
            Interlocked.Decrement(ref state.Concurrent);
        }
    }
}
