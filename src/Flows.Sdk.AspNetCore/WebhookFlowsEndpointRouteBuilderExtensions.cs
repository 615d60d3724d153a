using Flows.Sdk.AspNetCore;
using Flows.Sdk.Hooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the webhook flows endpoints.</summary>
public static class WebhookFlowsEndpointRouteBuilderExtensions
{
    /// <summary>
    /// Maps the hook endpoint <c>{prefix}/{flowId}/{**rest}</c> (default prefix <c>/hook</c>) for every method:
    /// POST and GET are handled, others are answered <c>405</c>. The endpoint is public: each flow authenticates its callers
    /// with its webhook credential.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="prefix">The path the hook addresses start with.</param>
    public static IEndpointConventionBuilder MapWebhookFlows(this IEndpointRouteBuilder endpoints, string prefix = "/hook")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        return endpoints.Map(prefix.TrimEnd('/') + "/{flowId}/{**rest}", HandleHookAsync)
            .WithDisplayName("Webhook flows hook")
            .WithName(HookEndpointName);
    }

    /// <summary>
    /// Maps the management API under <paramref name="prefix"/> (default <c>/api</c>): credentials, flows, samples, mapping preview, run log.
    /// Every endpoint requires an authorized user (the default authorization policy); add a policy with
    /// <c>.RequireAuthorization("name")</c> on the returned builder, or opt out explicitly with <c>.AllowAnonymous()</c>.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="prefix">The path the management API starts with.</param>
    public static RouteGroupBuilder MapWebhookFlowsApi(this IEndpointRouteBuilder endpoints, string prefix = "/api")
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var group = endpoints.MapGroup(prefix.TrimEnd('/'));
        group.RequireAuthorization();
        ManagementApi.Map(group);
        return group;
    }

    /// <summary>The name of the hook endpoint, for link generation.</summary>
    internal const string HookEndpointName = "WebhookFlowsHook";

    private static async Task HandleHookAsync(HttpContext context)
    {
        var request = context.Request;
        var receiver = context.RequestServices.GetRequiredService<IWebhookReceiver>();

        // The receiver enforces the flow's own body limit while it streams (413 as problem details); the server's default
        // limit (30 MB in Kestrel) must not cut a flow that allows more, nor answer with an empty 413 of its own.
        if (context.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } bodySize)
        {
            bodySize.MaxRequestBodySize = null;
        }

        var webhookRequest = new WebhookRequest
        {
            Method = request.Method,
            FlowId = (string)context.GetRouteValue("flowId")!,
            AdditionalPath = context.GetRouteValue("rest") as string ?? string.Empty,
            Url = $"{request.Scheme}://{request.Host}{request.PathBase}{request.Path}{request.QueryString}",
            Headers = new HeaderDictionaryAdapter(request.Headers),
            Query = new QueryCollectionAdapter(request.Query),
            ContentType = request.ContentType,
            ContentLength = request.ContentLength,
            Body = request.BodyReader,
        };
        var response = await receiver.ReceiveAsync(webhookRequest, context.RequestAborted).ConfigureAwait(false);
        await HttpJson.WriteResponseAsync(context, response).ConfigureAwait(false);
    }
}
