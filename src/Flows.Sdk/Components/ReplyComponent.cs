using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>
/// The built-in reply component: its action <c>httpReply</c> answers the caller waiting at the hook. A flow with a reply step
/// makes its hook wait for the reply (up to the reply timeout) instead of answering <c>200 "thank you"</c> at once.
/// </summary>
internal sealed class ReplyComponent : IComponent
{
    public const string ComponentId = "reply";
    public const string HttpReplyFunction = "httpReply";

    public ComponentDescriptor Descriptor { get; } = new()
    {
        Id = ComponentId,
        Title = "HTTP reply",
        Description = "Sends an HTTP reply to the caller of the flow's webhook.",
        Actions =
        [
            ActionDescriptor.For<HttpReplyAction>(HttpReplyFunction, "HTTP reply") with
            {
                Description = "Answers the waiting webhook caller; passes its input on as data.",
                InMetadata = JObject.Parse("""
                    {
                      "type": "object",
                      "properties": {
                        "statusCode": { "type": "integer", "title": "Status code", "default": 200, "minimum": 100, "maximum": 599 },
                        "contentType": { "type": "string", "title": "Content type", "default": "application/json" },
                        "headers": { "type": "object", "title": "Headers", "additionalProperties": { "type": "string" } },
                        "responseBody": { "title": "Response body" }
                      }
                    }
                    """),
            },
        ],
    };
}

/// <summary>Builds the <see cref="HttpReply"/> from the step's input and sends it.</summary>
internal sealed class HttpReplyAction : IFlowAction
{
    private static readonly HashSet<string> ForbiddenHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "content-length", "transfer-encoding", "connection", "content-type", "keep-alive", "upgrade", "trailer",
    };

    public async ValueTask<JToken?> ExecuteAsync(ActionContext context)
    {
        var input = context.Input;
        var statusCode = 200;
        if (input["statusCode"] is { Type: not JTokenType.Null } status)
        {
            if (status.Type != JTokenType.Integer && !(status.Type == JTokenType.String && int.TryParse((string?)status, out _)))
            {
                throw new ArgumentException($"statusCode must be an integer, not '{status}'.");
            }

            statusCode = status.Value<int>();
            if (statusCode is < 100 or > 599)
            {
                throw new ArgumentException($"statusCode must be from 100 to 599, not {statusCode}.");
            }
        }

        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        if (input["headers"] is JObject headerObject)
        {
            foreach (var header in headerObject.Properties())
            {
                if (ForbiddenHeaders.Contains(header.Name) || header.Name.Any(c => c <= ' ' || c >= 127 || c == ':'))
                {
                    throw new ArgumentException($"The reply cannot set the header '{header.Name}'.");
                }

                var value = header.Value.Type == JTokenType.String ? (string)header.Value! : header.Value.ToString(Newtonsoft.Json.Formatting.None);
                if (value.Any(c => c is '\r' or '\n'))
                {
                    throw new ArgumentException($"The value of the reply header '{header.Name}' contains a line break.");
                }

                headers[header.Name] = value;
            }
        }
        else if (input["headers"] is { Type: not JTokenType.Null })
        {
            throw new ArgumentException("headers must be an object of header name to value.");
        }

        await context.EmitHttpReplyAsync(new HttpReply
        {
            StatusCode = statusCode,
            ContentType = (string?)input["contentType"] ?? "application/json",
            Headers = headers,
            Body = input["responseBody"]?.DeepClone(),
        }).ConfigureAwait(false);
        return input;
    }
}
