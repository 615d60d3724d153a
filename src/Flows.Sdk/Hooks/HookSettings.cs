using Flows.Sdk.Flows;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Hooks;

/// <summary>
/// A flow's hook settings, from its trigger step's configuration:
/// <c>{"maxBodySize": bytes, "rateLimit": {"permitLimit": n, "windowSeconds": s}, "replyTimeoutSeconds": s}</c>.
/// Each is optional; the host's <see cref="DependencyInjection.WebhookFlowsOptions"/> give the defaults. Rate limiting is off by default.
/// </summary>
internal sealed record HookSettings(long? MaxBodySize, int? RateLimitPermits, TimeSpan? RateLimitWindow, TimeSpan? ReplyTimeout)
{
    public static readonly HookSettings Default = new(null, null, null, null);

    /// <summary>Reads the settings; returns <see langword="null"/> and fills <paramref name="errors"/> when they are not valid.</summary>
    public static HookSettings? Read(StepDefinition trigger, List<FlowValidationError> errors)
    {
        var configuration = trigger.Configuration;
        if (configuration is null)
        {
            return Default;
        }

        var count = errors.Count;
        long? maxBodySize = null;
        if (configuration["maxBodySize"] is { Type: not JTokenType.Null } size)
        {
            if (size.Type == JTokenType.Integer && (long)size is >= 1 and <= int.MaxValue)
            {
                maxBodySize = (long)size;
            }
            else
            {
                errors.Add(new(trigger.Id, "configuration.maxBodySize", $"maxBodySize must be a whole number of bytes from 1 to {int.MaxValue}."));
            }
        }

        int? permits = null;
        TimeSpan? window = null;
        if (configuration["rateLimit"] is JObject rateLimit)
        {
            permits = Positive(rateLimit["permitLimit"], "configuration.rateLimit.permitLimit", 1_000_000);
            var seconds = Positive(rateLimit["windowSeconds"], "configuration.rateLimit.windowSeconds", 86_400);
            window = seconds is { } s ? TimeSpan.FromSeconds(s) : null;
        }
        else if (configuration["rateLimit"] is { Type: not JTokenType.Null })
        {
            errors.Add(new(trigger.Id, "configuration.rateLimit", "rateLimit must be an object {\"permitLimit\", \"windowSeconds\"}."));
        }

        TimeSpan? replyTimeout = null;
        if (configuration["replyTimeoutSeconds"] is { Type: not JTokenType.Null })
        {
            replyTimeout = Positive(configuration["replyTimeoutSeconds"], "configuration.replyTimeoutSeconds", 600) is { } r ? TimeSpan.FromSeconds(r) : null;
        }

        return errors.Count == count ? new HookSettings(maxBodySize, permits, window, replyTimeout) : null;

        int? Positive(JToken? token, string field, int max)
        {
            if (token is { Type: JTokenType.Integer } && (long)token is var value && value >= 1 && value <= max)
            {
                return (int)value;
            }

            errors.Add(new(trigger.Id, field, $"{field["configuration.".Length..]} must be a whole number from 1 to {max}."));
            return null;
        }
    }
}
