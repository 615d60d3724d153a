using System.Net;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.IntegrationTests;

/// <summary>A host written like the README's quick start, with its own hook prefix and the API opened explicitly.</summary>
public sealed class QuickStartHostTests
{
    [Test]
    public async Task A_host_with_its_own_hook_prefix_gets_hook_urls_under_it_and_can_open_the_api_explicitly()
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddWebhookFlows();
        builder.Services.AddAuthorization();
        await using var app = builder.Build();
        app.MapWebhookFlows("/webhooks");
        app.MapWebhookFlowsApi("/flows-api").AllowAnonymous();
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        using var client = new HttpClient { BaseAddress = new Uri(address) };

        using var created = await client.PostAsync("/flows-api/flows", PetstoreAppFixture.Json("""
            {"name": "quick", "steps": [{"id": "step_1", "componentId": "webhook", "function": "receive"}]}
            """));
        var id = JObject.Parse(await created.Content.ReadAsStringAsync())["id"]!.ToString();
        using var published = await client.PostAsync($"/flows-api/flows/{id}/publish", null);
        using var started = await client.PostAsync($"/flows-api/flows/{id}/start", null);
        var flow = JObject.Parse(await started.Content.ReadAsStringAsync());
        using var hook = await client.PostAsync(flow["hookUrl"]!.ToString(), PetstoreAppFixture.Json("""{"hello": "world"}"""));
        using var oldPrefix = await client.PostAsync($"/hook/{id}", PetstoreAppFixture.Json("{}"));

        created.StatusCode.Should().Be(HttpStatusCode.Created);
        published.StatusCode.Should().Be(HttpStatusCode.OK);
        flow["hookUrl"]!.ToString().Should().Be($"/webhooks/{id}");
        hook.StatusCode.Should().Be(HttpStatusCode.OK);
        oldPrefix.StatusCode.Should().Be(HttpStatusCode.NotFound);
        await app.StopAsync();
    }
}
