using System.Collections.Concurrent;
using System.Text;
using System.Text.Encodings.Web;
using Flows.Sdk.Dashboard;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Microsoft.AspNetCore.Builder;

/// <summary>Maps the webhook flows dashboard.</summary>
public static class WebhookFlowsDashboardEndpointRouteBuilderExtensions
{
    /// <summary>
    /// The Content-Security-Policy of every dashboard response: scripts, styles and data only from this app, no inline script
    /// or style, no frames, no plugins.
    /// </summary>
    internal const string ContentSecurityPolicy =
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
        "base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

    private static readonly ConcurrentDictionary<string, byte[]> Assets = new(StringComparer.Ordinal);

    /// <summary>
    /// Maps the dashboard under <paramref name="prefix"/> (default <c>/dashboard</c>): a designer and run log that work only
    /// through the management API (map it with <c>MapWebhookFlowsApi()</c>). Its assets (plain JavaScript and CSS) are
    /// embedded in this assembly and served with a Content-Security-Policy that allows no inline script or style.
    /// The page requires an authorized user (the default authorization policy; the static assets, which hold no data, do not); add a policy with
    /// <c>.RequireAuthorization("name")</c> on the returned builder, or opt out explicitly with <c>.AllowAnonymous()</c>.
    /// </summary>
    /// <param name="endpoints">The app's endpoints.</param>
    /// <param name="prefix">The path the dashboard is served under.</param>
    /// <param name="configure">Changes the <see cref="DashboardOptions"/>, or <see langword="null"/>.</param>
    public static RouteGroupBuilder MapWebhookFlowsDashboard(this IEndpointRouteBuilder endpoints, string prefix = "/dashboard", Action<DashboardOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentException.ThrowIfNullOrWhiteSpace(prefix);
        var options = new DashboardOptions();
        configure?.Invoke(options);
        var root = "/" + prefix.Trim('/');
        var group = endpoints.MapGroup(root);
        group.RequireAuthorization();
        group.MapGet("/", (HttpContext context) => ServeIndexAsync(context, options)).WithDisplayName("Webhook flows dashboard").ExcludeFromDescription();
        // The assets are the same code for everyone (they ship in this package) and hold no data: a sign-in page may use the
        // stylesheet before anyone is signed in.
        group.MapGet("/assets/{file}", (HttpContext context, string file) => ServeAssetAsync(context, file)).AllowAnonymous().ExcludeFromDescription();
        return group;
    }

    private static async Task ServeIndexAsync(HttpContext context, DashboardOptions options)
    {
        // "/dashboard" without its slash (routing matches both): the assets are relative to "/dashboard/".
        if (context.Request.Path.Value?.EndsWith('/') != true)
        {
            context.Response.Redirect($"{context.Request.PathBase}{context.Request.Path}/{context.Request.QueryString}");
            return;
        }

        var html = Encoding.UTF8.GetString(Asset("index.html")!);
        var basePath = context.Request.PathBase.Value ?? string.Empty;
        string Attribute(string? value) => HtmlEncoder.Default.Encode(value ?? string.Empty);
        html = html
            .Replace("{{title}}", Attribute(options.Title), StringComparison.Ordinal)
            .Replace("{{api}}", Attribute(basePath + "/" + options.ApiPath.Trim('/')), StringComparison.Ordinal)
            .Replace("{{openapi}}", Attribute(options.OpenApiUrl is null ? null : (options.OpenApiUrl.StartsWith('/') ? basePath + options.OpenApiUrl : options.OpenApiUrl)), StringComparison.Ordinal)
            .Replace("{{signin}}", Attribute(options.SignInPath is null ? null : basePath + options.SignInPath), StringComparison.Ordinal)
            .Replace("{{signout}}", Attribute(options.SignOutPath is null ? null : basePath + options.SignOutPath), StringComparison.Ordinal)
            .Replace("{{antiforgery}}", Attribute(options.AntiForgeryHeader), StringComparison.Ordinal)
            .Replace("{{origin}}", Attribute($"{context.Request.Scheme}://{context.Request.Host}{basePath}"), StringComparison.Ordinal);
        SecurityHeaders(context);
        context.Response.Headers.CacheControl = "no-store";
        context.Response.ContentType = "text/html; charset=utf-8";
        await context.Response.WriteAsync(html, context.RequestAborted).ConfigureAwait(false);
    }

    private static async Task ServeAssetAsync(HttpContext context, string file)
    {
        var bytes = file.EndsWith(".html", StringComparison.Ordinal) ? null : Asset(file);
        SecurityHeaders(context);
        if (bytes is null)
        {
            context.Response.StatusCode = 404;
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync(
                $$"""{"type":"https://httpstatuses.io/404","title":"Not Found","status":404,"detail":"The dashboard has no asset '{{JavaScriptEncoder.Default.Encode(file)}}'."}""",
                context.RequestAborted).ConfigureAwait(false);
            return;
        }

        context.Response.ContentType = Path.GetExtension(file) switch
        {
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            ".svg" => "image/svg+xml",
            _ => "application/octet-stream",
        };
        context.Response.Headers.CacheControl = "no-cache";
        context.Response.ContentLength = bytes.Length;
        await context.Response.Body.WriteAsync(bytes, context.RequestAborted).ConfigureAwait(false);
    }

    private static void SecurityHeaders(HttpContext context)
    {
        var headers = context.Response.Headers;
        headers.ContentSecurityPolicy = ContentSecurityPolicy;
        headers.XContentTypeOptions = "nosniff";
        headers["Referrer-Policy"] = "no-referrer";
        headers.XFrameOptions = "DENY";
    }

    /// <summary>An embedded asset by file name (no folders), or <see langword="null"/>.</summary>
    private static byte[]? Asset(string file)
    {
        if (Assets.TryGetValue(file, out var cached))
        {
            return cached;
        }

        // Only existing assets are cached: a request for any other name leaves nothing behind.
        var bytes = Load(file);
        return bytes is null ? null : Assets.GetOrAdd(file, bytes);
    }

    private static byte[]? Load(string name)
    {
        if (name.Length == 0 || name.Length > 64 || !name.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '-' or '_') || name.StartsWith('.'))
        {
            return null;
        }

        using var stream = typeof(DashboardOptions).Assembly.GetManifestResourceStream("assets/" + name);
        if (stream is null)
        {
            return null;
        }

        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
