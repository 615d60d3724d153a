using Microsoft.Extensions.Options;

namespace Flows.Sdk.DependencyInjection;

/// <summary>Fails the host at start when a setting is out of range, naming the setting.</summary>
internal sealed class WebhookFlowsOptionsValidator : IValidateOptions<WebhookFlowsOptions>
{
    public ValidateOptionsResult Validate(string? name, WebhookFlowsOptions options)
    {
        var failures = new List<string>();
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

        if (options.MaxConcurrency < 1)
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.MaxConcurrency)} must be at least 1; it is {options.MaxConcurrency}.");
        }

        if (options.CredentialVerificationTimeout <= TimeSpan.Zero || options.CredentialVerificationTimeout > TimeSpan.FromSeconds(30))
        {
            failures.Add($"{nameof(WebhookFlowsOptions)}.{nameof(options.CredentialVerificationTimeout)} must be more than 0 and at most 30 seconds; it is {options.CredentialVerificationTimeout}.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }
}
