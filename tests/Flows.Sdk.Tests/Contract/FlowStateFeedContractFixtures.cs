using Flows.Sdk.Contracts;
using Flows.Sdk.Flows;
using Microsoft.Extensions.Logging.Abstractions;

namespace Flows.Sdk.Tests.Contract;

[TestFixture]
public sealed class InMemoryFlowStateFeedContractTests : FlowStateFeedContractTests
{
    protected override IFlowStateFeed CreateFeed() => new InMemoryFlowStateFeed(NullLogger<InMemoryFlowStateFeed>.Instance);
}
