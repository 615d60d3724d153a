using System.Text;
using Flows.Sdk.Hooks;
using Microsoft.AspNetCore.Http;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.AspNetCore;

/// <summary>Reads JSON requests and writes JSON and problem details responses with Newtonsoft.Json, the core's JSON model.</summary>
internal static class HttpJson
{
    private const long MaxRequestSize = 1024 * 1024;
    private const int MaxDepth = 64;

    public static Task WriteAsync(HttpContext context, int statusCode, JToken body, string contentType = "application/json")
    {
        context.Response.StatusCode = statusCode;
        context.Response.ContentType = contentType + "; charset=utf-8";
        return context.Response.WriteAsync(body.ToString(Formatting.None), Encoding.UTF8, context.RequestAborted);
    }

    public static Task WriteProblemAsync(HttpContext context, int statusCode, string title, string detail, JObject? extensions = null)
    {
        var problem = WebhookResponse.Problem(statusCode, title, detail).Body!;
        problem["instance"] = context.Request.Path.Value;
        if (extensions is not null)
        {
            foreach (var property in extensions.Properties())
            {
                problem[property.Name] = property.Value;
            }
        }

        return WriteAsync(context, statusCode, problem, "application/problem+json");
    }

    public static Task WriteResponseAsync(HttpContext context, WebhookResponse response)
    {
        foreach (var (name, value) in response.Headers)
        {
            context.Response.Headers[name] = value;
        }

        context.Response.StatusCode = response.StatusCode;
        context.Response.ContentType = response.ContentType.Contains("charset", StringComparison.OrdinalIgnoreCase)
            ? response.ContentType
            : response.ContentType + "; charset=utf-8";
        return context.Response.WriteAsync(response.Content, Encoding.UTF8, context.RequestAborted);
    }

    /// <summary>Reads the request body as a JSON object, or writes a 400/413/415 problem and returns <see langword="null"/>.</summary>
    public static async Task<JObject?> ReadObjectAsync(HttpContext context)
    {
        var request = context.Request;
        if (request.ContentLength > MaxRequestSize)
        {
            await WriteProblemAsync(context, 413, "Payload Too Large", $"The request body is larger than {MaxRequestSize} bytes.").ConfigureAwait(false);
            return null;
        }

        if (request.ContentType is null || !(request.ContentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) || request.ContentType.Contains("+json", StringComparison.OrdinalIgnoreCase)))
        {
            await WriteProblemAsync(context, 415, "Unsupported Media Type", "Send the request body as application/json.").ConfigureAwait(false);
            return null;
        }

        var read = await JsonObjectBody.ReadAsync(request.BodyReader, MaxRequestSize, MaxDepth, "The request body", context.RequestAborted).ConfigureAwait(false);
        if (read.TooLarge)
        {
            await WriteProblemAsync(context, 413, "Payload Too Large", $"The request body is larger than {MaxRequestSize} bytes.").ConfigureAwait(false);
            return null;
        }

        if (read.Body is null)
        {
            await WriteProblemAsync(context, 400, "Bad Request", read.Error!).ConfigureAwait(false);
        }

        return read.Body;
    }
}
