using System.Net;
using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace PetstoreWebhook;

/// <summary>
/// The example's sign-in for the dashboard: a page asks for the management key once and sets an HttpOnly, SameSite=Strict
/// cookie, which the management API accepts besides <c>Authorization: Bearer</c>.
/// </summary>
/// <remarks>
/// Cross-site requests: a SameSite=Strict cookie is not sent with any request another site starts, and on top of that every
/// state-changing API call that relies on the cookie (no <c>Authorization</c> header) must carry <c>X-Flows-Request</c> (which
/// a browser sends cross-origin only after a CORS preflight this app never grants) and, when the browser names it, come from
/// this app's own origin (<c>Origin</c>, <c>Sec-Fetch-Site</c>). The sign-in form itself is checked the same way by origin.
/// </remarks>
internal static class CookieSignIn
{
    public const string CookieScheme = CookieAuthenticationDefaults.AuthenticationScheme;
    public const string PolicyScheme = "Management";
    public const string AntiForgeryHeader = "X-Flows-Request";
    public const string SignInPath = "/signin";

    /// <summary>Where the dashboard's <em>Sign out</em> button posts.</summary>
    public const string SignOutPath = "/signout";

    /// <summary>Bearer or cookie: the <c>Authorization</c> header decides.</summary>
    public static void AddManagementAuthentication(this IServiceCollection services)
    {
        services.AddAuthentication(PolicyScheme)
            .AddPolicyScheme(PolicyScheme, "Management key or sign-in cookie", options =>
                options.ForwardDefaultSelector = context =>
                    context.Request.Headers.Authorization.Count > 0 ? ManagementKeyAuthenticationHandler.SchemeName : CookieScheme)
            .AddScheme<AuthenticationSchemeOptions, ManagementKeyAuthenticationHandler>(ManagementKeyAuthenticationHandler.SchemeName, null)
            .AddCookie(CookieScheme, options =>
            {
                options.Cookie.Name = "flows_management";
                options.Cookie.HttpOnly = true;
                options.Cookie.SameSite = SameSiteMode.Strict;
                options.Cookie.SecurePolicy = CookieSecurePolicy.SameAsRequest;
                options.ExpireTimeSpan = TimeSpan.FromHours(8);
                options.SlidingExpiration = true;
                options.LoginPath = SignInPath;
                options.ReturnUrlParameter = "returnUrl";
                options.Events.OnRedirectToLogin = context =>
                {
                    // A browser page is sent to the sign-in page; an API call gets the API's 401.
                    if (IsApi(context.Request))
                    {
                        return WriteProblemAsync(context.Response, 401, "Unauthorized",
                            "The management API needs 'Authorization: Bearer <Management:ApiKey>' or the sign-in cookie.", bearer: true);
                    }

                    context.Response.Redirect(context.RedirectUri);
                    return Task.CompletedTask;
                };
            });
    }

    private static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api", StringComparison.OrdinalIgnoreCase) || request.Path.StartsWithSegments("/openapi", StringComparison.OrdinalIgnoreCase);

    /// <summary>Refuses state-changing API calls made with the cookie from another site (see the remarks of the class).</summary>
    public static IApplicationBuilder UseCrossSiteProtection(this IApplicationBuilder app) => app.Use(async (context, next) =>
    {
        var request = context.Request;
        if (IsApi(request) && !HttpMethods.IsGet(request.Method) && !HttpMethods.IsHead(request.Method) && !HttpMethods.IsOptions(request.Method)
            && request.Headers.Authorization.Count == 0 && request.Cookies.ContainsKey("flows_management"))
        {
            if (request.Headers[AntiForgeryHeader].Count == 0)
            {
                await WriteProblemAsync(context.Response, 403, "Forbidden", $"A call signed in by cookie that changes something must carry the '{AntiForgeryHeader}' header.");
                return;
            }

            if (!SameOrigin(request))
            {
                await WriteProblemAsync(context.Response, 403, "Forbidden", "A call signed in by cookie must come from this app's own pages (Origin / Sec-Fetch-Site).");
                return;
            }
        }

        await next(context);
    });

    /// <summary>Whether the browser says the request comes from this app's own origin (or says nothing, as non-browser clients do).</summary>
    private static bool SameOrigin(HttpRequest request)
    {
        var site = request.Headers["Sec-Fetch-Site"].ToString();
        if (site.Length > 0 && site is not ("same-origin" or "none"))
        {
            return false;
        }

        var origin = request.Headers.Origin.ToString();
        return origin.Length == 0 || string.Equals(origin, $"{request.Scheme}://{request.Host}", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>Maps <c>GET /signin</c> (the page) and <c>POST /signin</c> (checks the key, sets the cookie) and <c>POST /signout</c>.</summary>
    public static void MapSignIn(this WebApplication app)
    {
        app.MapGet(SignInPath, (HttpContext context) => PageAsync(context, null, 200)).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(SignInPath, async (HttpContext context, IConfiguration configuration) =>
        {
            if (!SameOrigin(context.Request))
            {
                await WriteProblemAsync(context.Response, 403, "Forbidden", "Sign in from this app's own sign-in page.");
                return;
            }

            if (!context.Request.HasFormContentType)
            {
                await WriteProblemAsync(context.Response, 415, "Unsupported Media Type", "Send the sign-in form (application/x-www-form-urlencoded).");
                return;
            }

            var form = await context.Request.ReadFormAsync(context.RequestAborted);
            var expected = configuration["Management:ApiKey"] ?? string.Empty;
            var given = SHA256.HashData(Encoding.UTF8.GetBytes(form["key"].ToString()));
            if (expected.Length == 0 || !CryptographicOperations.FixedTimeEquals(given, SHA256.HashData(Encoding.UTF8.GetBytes(expected))))
            {
                await PageAsync(context, "Wrong management key.", 401);
                return;
            }

            var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "management")], CookieScheme);
            await context.SignInAsync(CookieScheme, new ClaimsPrincipal(identity));
            var returnUrl = form["returnUrl"].ToString();
            context.Response.Redirect(IsLocal(returnUrl) ? returnUrl : "/dashboard/");
        }).AllowAnonymous().ExcludeFromDescription();
        app.MapPost(SignOutPath, async (HttpContext context) =>
        {
            if (!SameOrigin(context.Request))
            {
                await WriteProblemAsync(context.Response, 403, "Forbidden", "Sign out from this app's own pages.");
                return;
            }

            await context.SignOutAsync(CookieScheme);
            context.Response.Redirect(SignInPath);
        }).AllowAnonymous().ExcludeFromDescription();
    }

    private static bool IsLocal(string url) =>
        url.StartsWith('/') && !url.StartsWith("//", StringComparison.Ordinal) && !url.StartsWith("/\\", StringComparison.Ordinal);

    private static Task PageAsync(HttpContext context, string? error, int status)
    {
        var returnUrl = context.Request.Query["returnUrl"].ToString();
        if (context.Request.HasFormContentType && context.Request.Form.TryGetValue("returnUrl", out var posted))
        {
            returnUrl = posted.ToString();
        }

        var html = $$"""
            <!DOCTYPE html>
            <html lang="en">
            <head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Sign in · Flows</title>
            <link rel="stylesheet" href="/dashboard/assets/app.css"></head>
            <body><main id="main"><div class="card signin">
            <h1>Sign in</h1>
            <p class="muted">The dashboard works with the management API: give its key once; a cookie keeps you signed in.</p>
            {{(error is null ? string.Empty : $"<p class=\"problem\" role=\"alert\">{WebUtility.HtmlEncode(error)}</p>")}}
            <form method="post" action="{{SignInPath}}">
            <input type="hidden" name="returnUrl" value="{{WebUtility.HtmlEncode(IsLocal(returnUrl) ? returnUrl : "/dashboard/")}}">
            <div class="field"><label for="key">Management key</label><input id="key" name="key" type="password" autocomplete="current-password" required autofocus></div>
            <button type="submit">Sign in</button>
            </form></div></main></body></html>
            """;
        context.Response.StatusCode = status;
        context.Response.ContentType = "text/html; charset=utf-8";
        context.Response.Headers.ContentSecurityPolicy = "default-src 'none'; style-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        context.Response.Headers.CacheControl = "no-store";
        return context.Response.WriteAsync(html, context.RequestAborted);
    }

    private static Task WriteProblemAsync(HttpResponse response, int status, string title, string detail, bool bearer = false)
    {
        response.StatusCode = status;
        if (bearer)
        {
            response.Headers.WWWAuthenticate = "Bearer";
        }

        response.ContentType = "application/problem+json";
        return response.WriteAsync(System.Text.Json.JsonSerializer.Serialize(new
        {
            type = $"https://httpstatuses.io/{status}",
            title,
            status,
            detail,
        }));
    }
}
