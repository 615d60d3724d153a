using System.IO.Pipelines;
using System.Text;
using Flows.Sdk.Hooks;
using Flows.Sdk.Samples;
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

        var reader = request.BodyReader;
        ReadResult read;
        while (true)
        {
            read = await reader.ReadAsync(context.RequestAborted).ConfigureAwait(false);
            if (read.Buffer.Length > MaxRequestSize)
            {
                reader.AdvanceTo(read.Buffer.End);
                await WriteProblemAsync(context, 413, "Payload Too Large", $"The request body is larger than {MaxRequestSize} bytes.").ConfigureAwait(false);
                return null;
            }

            if (read.IsCompleted)
            {
                break;
            }

            reader.AdvanceTo(read.Buffer.Start, read.Buffer.End);
        }

        try
        {
            using var json = new JsonTextReader(new StreamReader(new ReadOnlySequenceStream(read.Buffer), Encoding.UTF8))
            {
                DateParseHandling = DateParseHandling.None,
                MaxDepth = MaxDepth,
            };
            var token = JToken.ReadFrom(json);
            if (json.Read())
            {
                await WriteProblemAsync(context, 400, "Bad Request", $"Unexpected content after the JSON value at line {json.LineNumber}, position {json.LinePosition}.").ConfigureAwait(false);
                return null;
            }

            if (token is not JObject obj)
            {
                await WriteProblemAsync(context, 400, "Bad Request", $"The request body must be a JSON object, not {token.Type.ToString().ToLowerInvariant()}.").ConfigureAwait(false);
                return null;
            }

            return obj;
        }
        catch (JsonReaderException e)
        {
            await WriteProblemAsync(context, 400, "Bad Request", $"The request body is not valid JSON: {e.Message}").ConfigureAwait(false);
            return null;
        }
        finally
        {
            reader.AdvanceTo(read.Buffer.End);
        }
    }
}
