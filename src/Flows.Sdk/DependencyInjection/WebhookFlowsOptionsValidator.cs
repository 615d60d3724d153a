using Microsoft.Extensions.Options;

namespace Flows.Sdk.DependencyInjection;

/// <summary>Fails the host at start when a setting is out of range, naming the setting.</summary>
internal sealed class WebhookFlowsOptionsValidator : IValidateOptions<WebhookFlowsOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookFlowsOptions options)
    {
        var failures = new List<string>();
        void Check(bool ok, string setting, string message)
        {
            if (!ok)
            {
                failures.Add($"{nameof(WebhookFlowsOptions)}.{setting} {message}");
            }
        }

        if (options.MaxBodySize is < 1 or > int.MaxValue)
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.MaxBodySize)} must be between 1 and {int.MaxValue} bytes; it is {options.MaxBodySize}.");
        }

        if (options.MaxBodyDepth is < 1 or > 1000)
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.MaxBodyDepth)} must be between 1 and 1000; it is {options.MaxBodyDepth}.");
        }

        if (options.QueueCapacity < 1)
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.QueueCapacity)} must be at least 1; it is {options.QueueCapacity}.");
        }

        if (options.QueueLeaseDuration < TimeSpan.FromSeconds(1) || options.QueueLeaseDuration > TimeSpan.FromDays(1))
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.QueueLeaseDuration)} must be between 1 second and 1 day; it is {options.QueueLeaseDuration}.");
        }

        if (options.MaxConcurrency < 1)
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.MaxConcurrency)} must be at least 1; it is {options.MaxConcurrency}.");
        }

        if (options.CredentialVerificationTimeout <= TimeSpan.Zero || options.CredentialVerificationTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.CredentialVerificationTimeout)} must be more than 0 and at most 30 seconds; it is {options.CredentialVerificationTimeout}.");
        }

        Check(options.MaxConcurrencyPerFlow >= 1, nameof(options.MaxConcurrencyPerFlow), $"must be at least 1; it is {options.MaxConcurrencyPerFlow}.");
        Check(options.MaxConcurrencyPerFlow <= Math.Max(1, options.MaxConcurrency), nameof(options.MaxConcurrencyPerFlow),
            $"must be at most MaxConcurrency ({options.MaxConcurrency}); it is {options.MaxConcurrencyPerFlow}.");
        Check(options.TransientRetryCount is >= 0 and <= 100, nameof(options.TransientRetryCount), $"must be from 0 to 100; it is {options.TransientRetryCount}.");
        Check(options.TransientRetryDelay > TimeSpan.Zero, nameof(options.TransientRetryDelay), $"must be positive; it is {options.TransientRetryDelay}.");
        Check(options.TransientRetryMaxDelay >= options.TransientRetryDelay, nameof(options.TransientRetryMaxDelay), "must be at least TransientRetryDelay.");
        Check(options.ReboundInitialDelay > TimeSpan.Zero, nameof(options.ReboundInitialDelay), $"must be positive; it is {options.ReboundInitialDelay}.");
        Check(options.MaxRebounds is >= 0 and <= 1000, nameof(options.MaxRebounds), $"must be from 0 to 1000; it is {options.MaxRebounds}.");
        Check(options.ReplyTimeout > TimeSpan.Zero && options.ReplyTimeout <= TimeSpan.FromMinutes(10), nameof(options.ReplyTimeout), $"must be more than 0 and at most 10 minutes; it is {options.ReplyTimeout}.");
        Check(options.RunLogMaxAge > TimeSpan.Zero, nameof(options.RunLogMaxAge), $"must be positive; it is {options.RunLogMaxAge}.");
        Check(options.RunLogMaxCountPerFlow >= 1, nameof(options.RunLogMaxCountPerFlow), $"must be at least 1; it is {options.RunLogMaxCountPerFlow}.");
        Check(options.RunLogPruneInterval > TimeSpan.Zero, nameof(options.RunLogPruneInterval), $"must be positive; it is {options.RunLogPruneInterval}.");

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
