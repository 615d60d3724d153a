namespace Flows.Sdk.Dashboard;

/// <summary>Settings of the dashboard mapped by <c>MapWebhookFlowsDashboard</c>.</summary>
public sealed class DashboardOptions
{
    /// <summary>Where the management API is mapped (the prefix given to <c>MapWebhookFlowsApi</c>), default <c>/api</c>.</summary>
    public string ApiPath { get; set; } = "/api";

    /// <summary>
    /// The address of the management API's OpenAPI document, linked from the dashboard, or <see langword="null"/> for no link
    /// (default <c>/openapi/v1.json</c>, where <c>MapOpenApi()</c> serves it).
    /// </summary>
    public string? OpenApiUrl { get; set; } = "/openapi/v1.json";

    /// <summary>Where to send the browser when the management API answers <c>401</c> (a sign-in page), or <see langword="null"/>.</summary>
    public string? SignInPath { get; set; }

    /// <summary>
    /// Where the dashboard's <em>Sign out</em> button posts (with the <see cref="AntiForgeryHeader"/>) before it returns to
    /// <see cref="SignInPath"/>, or <see langword="null"/> for no button (default): for a host whose sign-in sets a cookie.
    /// </summary>
    public string? SignOutPath { get; set; }

    /// <summary>The title shown in the header and the browser tab, default <c>Flows</c>.</summary>
    public string Title { get; set; } = "Flows";

    /// <summary>
    /// The header every state-changing call of the dashboard carries (default <c>X-Flows-Request</c>, value <c>dashboard</c>),
    /// so that a host accepting a cookie can refuse cross-site requests that lack it (a browser sends no custom header
    /// cross-site without a CORS preflight).
    /// </summary>
    public string AntiForgeryHeader { get; set; } = "X-Flows-Request";
}
