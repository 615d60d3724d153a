using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Storage;
using Flows.Sdk.Tests.Support;
using Microsoft.Extensions.DependencyInjection;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Tests.Execution;

/// <summary>A live flow with one engine-test action, its compiled step, and a started execution to record attempts under.</summary>
internal sealed record StepSeams(TestHost Host, CompiledFlow Flow, QueuedMessage Message)
{
    public IExecutionStore RunLog => Host.Services.GetRequiredService<IExecutionStore>();

    public CompiledStep Step => Flow.Steps[1];

    public static async Task<StepSeams> StartAsync(TestHost host, StepDefinition action)
    {
        var flow = await host.LiveFlowAsync(null, action);
        var compiled = (await host.Services.GetRequiredService<CompiledFlowCache>().GetAsync(flow.Id, flow.LiveVersion!.Value, CancellationToken.None))!;
        var message = new QueuedMessage("m1", "r1", "e1", flow.Id, flow.LiveVersion!.Value, MessageBody.FromObject(JObject.Parse("""{"key": "k", "times": 2}""")), host.Time.GetUtcNow());
        await host.Services.GetRequiredService<IExecutionStore>().StartAsync(new FlowExecution
        {
            Id = message.ExecutionId,
            FlowId = flow.Id,
            FlowVersion = message.FlowVersion,
            RequestId = message.RequestId,
            MessageId = message.MessageId,
            Status = ExecutionStatus.Running,
            StartedAt = host.Time.GetUtcNow(),
            Steps = [new StepExecution { StepId = "step_1", Status = ExecutionStatus.Succeeded, Output = message.Body.ToObject(), StartedAt = message.ReceivedAt }],
        });
        return new StepSeams(host, compiled, message);
    }

    public StepCall Call(int attempt = 1) =>
        new(Flow.Version.FlowId, Message.ExecutionId, Message.MessageId, Step, Message.Body.ToObject(), new JObject { ["step_1"] = Message.Body.ToObject() }, attempt);

    public async Task<IReadOnlyList<StepExecution>> AttemptsAsync() =>
        (await RunLog.GetAsync(Message.ExecutionId))!.Steps.Where(s => s.StepId == Step.Definition.Id).ToList();
}
