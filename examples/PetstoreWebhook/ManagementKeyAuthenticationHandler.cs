using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;

namespace PetstoreWebhook;

/// <summary>
/// Protects the management API with <c>Authorization: Bearer &lt;key&gt;</c>, the key coming from <c>Management:ApiKey</c>.
/// A real host would use its own sign-in (JWT, cookies, ...); this keeps the example self-contained.
/// </summary>
internal sealed class ManagementKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    IConfiguration configuration) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "ManagementKey";

    protected override Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var expected = configuration["Management:ApiKey"];
        if (string.IsNullOrEmpty(expected))
        {
            return Task.FromResult(AuthenticateResult.Fail("Management:ApiKey is not configured."));
        }

        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            return Task.FromResult(AuthenticateResult.NoResult());
        }

        var given = SHA256.HashData(Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim()));
        var wanted = SHA256.HashData(Encoding.UTF8.GetBytes(expected));
        if (!CryptographicOperations.FixedTimeEquals(given, wanted))
        {
            return Task.FromResult(AuthenticateResult.Fail("Wrong management key."));
        }

        var identity = new ClaimsIdentity([new Claim(ClaimTypes.Name, "management")], SchemeName);
        return Task.FromResult(AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName)));
    }

    /// <summary>Answers an unauthenticated call with a problem details body, like every other error of the API.</summary>
    protected override Task HandleChallengeAsync(AuthenticationProperties properties)
    {
        Response.StatusCode = StatusCodes.Status401Unauthorized;
        Response.Headers.WWWAuthenticate = "Bearer";
        Response.ContentType = "application/problem+json";
        return Response.WriteAsync("""{"type":"https://httpstatuses.io/401","title":"Unauthorized","status":401,"detail":"The management API needs 'Authorization: Bearer <Management:ApiKey>'."}""");
    }
}
