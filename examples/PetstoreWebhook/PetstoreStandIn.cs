using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace PetstoreWebhook;

/// <summary>
/// STAND-IN for the public Petstore API (which cannot be reached from here), served by this app under <c>/petstore/v2</c>:
/// <c>POST /pet</c>, <c>GET /pet/findByStatus?status=</c>, <c>GET /pet/statuses</c>, <c>GET /user/me</c>.
/// Every call needs the header <c>api-key</c> equal to <c>PetstoreStandIn:ApiKey</c> (default <c>secret</c>), else 401.
/// The component talks to it over real HTTP, exactly as it would to the real API.
/// </summary>
public sealed class PetstoreStandIn
{
    private static readonly string[] Statuses = ["available", "pending", "sold"];
    private readonly ConcurrentDictionary<long, JsonObject> _pets = new();
    private long _nextId = 1000;

    /// <summary>The pets created so far, oldest first.</summary>
    public IReadOnlyList<JsonObject> Pets => _pets.OrderBy(p => p.Key).Select(p => p.Value).ToArray();

    /// <summary>Maps the stand-in's endpoints under <paramref name="prefix"/>.</summary>
    public static void Map(WebApplication app, string prefix = "/petstore/v2")
    {
        var group = app.MapGroup(prefix).AddEndpointFilter(async (context, next) =>
        {
            var expected = context.HttpContext.RequestServices.GetRequiredService<IConfiguration>()["PetstoreStandIn:ApiKey"] ?? "secret";
            var given = context.HttpContext.Request.Headers["api-key"].ToString();
            return KeyEquals(given, expected)
                ? await next(context)
                : Results.Json(new { code = 401, type = "error", message = "Invalid or missing api-key header" }, statusCode: 401);
        });

        group.MapPost("/pet", async (HttpContext http, PetstoreStandIn store) =>
        {
            JsonNode? body;
            try
            {
                body = await JsonNode.ParseAsync(http.Request.Body);
            }
            catch (System.Text.Json.JsonException e)
            {
                return Results.Json(new { code = 400, type = "error", message = "Invalid JSON: " + e.Message }, statusCode: 400);
            }

            if (body is not JsonObject pet || pet["name"]?.GetValueKind() != System.Text.Json.JsonValueKind.String)
            {
                return Results.Json(new { code = 405, type = "error", message = "Invalid input: a pet needs a name" }, statusCode: 405);
            }

            var id = Interlocked.Increment(ref store._nextId);
            pet["id"] = id;
            pet["status"] ??= "available";
            store._pets[id] = pet;
            return Results.Json(pet);
        });
        group.MapGet("/pet/findByStatus", (string? status, PetstoreStandIn store) =>
        {
            var wanted = (status ?? "available").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            return Results.Json(store.Pets.Where(p => wanted.Contains((string?)p["status"])).ToArray());
        });
        group.MapGet("/pet/statuses", () => Results.Json(Statuses));
        group.MapGet("/user/me", () => Results.Json(new { id = 1, username = "tutorial", email = "tutorial@example.com" }));
    }

    private static bool KeyEquals(string given, string expected) =>
        CryptographicOperations.FixedTimeEquals(SHA256.HashData(Encoding.UTF8.GetBytes(given)), SHA256.HashData(Encoding.UTF8.GetBytes(expected)));
}
