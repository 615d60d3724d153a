using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace Flows.Sdk.RabbitMQ;

/// <summary>Checks <see cref="RabbitMqOptions"/> at start, naming the setting that is wrong.</summary>
internal sealed partial class RabbitMqOptionsValidator : IValidateOptions<RabbitMqOptions>
{
    public ValidateOptionsResult Validate(string? name, RabbitMqOptions options)
    {
        var failures = new List<string>();
        if (options.Uri is null)
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.Uri)} is required (setting '{RabbitMqOptions.UriSetting}'), e.g. amqp://guest:guest@localhost:5672/.");
        }
        else if (!options.Uri.IsAbsoluteUri || (options.Uri.Scheme != "amqp" && options.Uri.Scheme != "amqps"))
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.Uri)} must be an absolute amqp:// or amqps:// URI; its scheme is '{(options.Uri.IsAbsoluteUri ? options.Uri.Scheme : "relative")}'.");
        }

        if (string.IsNullOrEmpty(options.Prefix) || options.Prefix.Length > 64 || !PrefixPattern().IsMatch(options.Prefix))
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.Prefix)} must be 1 to 64 letters, digits, '.', '-' or '_'; it is '{options.Prefix}'.");
        }

        if (options.Partitions is < 1 or > 64)
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.Partitions)} must be between 1 and 64; it is {options.Partitions}.");
        }

        if (options.DeliveryLimit is < 1 or > 1000)
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.DeliveryLimit)} must be between 1 and 1000; it is {options.DeliveryLimit}.");
        }

        if (options.Prefetch is < 1 or > 65535)
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.Prefetch)} must be between 1 and 65535 when set; it is {options.Prefetch}.");
        }

        if (options.PublishTimeout < TimeSpan.FromMilliseconds(100) || options.PublishTimeout > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.PublishTimeout)} must be between 100 ms and 5 minutes; it is {options.PublishTimeout}.");
        }

        if (options.RecoveryInterval < TimeSpan.FromMilliseconds(100) || options.RecoveryInterval > TimeSpan.FromMinutes(5))
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.RecoveryInterval)} must be between 100 ms and 5 minutes; it is {options.RecoveryInterval}.");
        }

        if (options.DelayHop < TimeSpan.FromSeconds(1) || options.DelayHop > TimeSpan.FromMinutes(25))
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.DelayHop)} must be between 1 second and 25 minutes (below the broker's consumer timeout); it is {options.DelayHop}.");
        }

        if (options.NodeName is { } node && (node.Length is 0 or > 100 || !PrefixPattern().IsMatch(node)))
        {
            failures.Add($"{nameof(RabbitMqOptions)}.{nameof(options.NodeName)} must be 1 to 100 letters, digits, '.', '-' or '_' when set; it is '{node}'.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    [GeneratedRegex("^[A-Za-z0-9._-]+$")]
    private static partial Regex PrefixPattern();
}
