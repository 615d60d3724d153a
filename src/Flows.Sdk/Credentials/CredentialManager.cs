using Flows.Sdk.Components;
using Flows.Sdk.DependencyInjection;
using Flows.Sdk.Diagnostics;
using Flows.Sdk.Storage;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Credentials;

/// <summary>Checks credentials against their component before storing them, redacts them, and runs the component's verification.</summary>
internal sealed class CredentialManager(
    ICredentialStore store,
    ComponentRegistry components,
    IOptions<WebhookFlowsOptions> options,
    TimeProvider time,
    ILogger<CredentialManager> logger,
    IFlowStore flows) : ICredentialManager
{
    public const string Redacted = "***";

    public async ValueTask<Credential> CreateAsync(string name, string componentId, JObject fields, CancellationToken cancellationToken = default)
    {
        var errors = new List<CredentialFieldError>();
        if (string.IsNullOrWhiteSpace(name))
        {
            errors.Add(new("name", "A credential needs a name."));
        }

        var component = string.IsNullOrEmpty(componentId) ? null : components.Find(componentId);
        if (component is null)
        {
            errors.Add(new("componentId", string.IsNullOrEmpty(componentId) ? "A credential needs a component id." : $"Unknown component '{componentId}'."));
            throw new CredentialValidationException(errors);
        }

        fields ??= [];
        var descriptor = component.Descriptor;
        foreach (var field in descriptor.CredentialFields)
        {
            if (field.Required && (fields[field.Name] is null or { Type: JTokenType.Null } || fields[field.Name] is JValue { Type: JTokenType.String } v && string.IsNullOrEmpty((string?)v)))
            {
                errors.Add(new($"fields.{field.Name}", $"'{field.Name}' ({field.Label}) is required."));
            }
        }

        foreach (var property in fields.Properties())
        {
            if (!descriptor.CredentialFields.Any(f => f.Name == property.Name))
            {
                errors.Add(new($"fields.{property.Name}", $"Component '{descriptor.Id}' has no credential field '{property.Name}'."));
            }
        }

        if (descriptor.Id == WebhookComponent.ComponentId)
        {
            errors.AddRange(WebhookCredentialValidator.Validate(fields).Select(e => new CredentialFieldError($"fields.{e.Field}", e.Message)));
        }

        if (errors.Count > 0)
        {
            throw new CredentialValidationException(errors.DistinctBy(e => e.Field).ToArray());
        }

        var credential = new Credential
        {
            Id = Ids.New(),
            Name = name,
            ComponentId = componentId,
            Fields = (JObject)fields.DeepClone(),
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(credential, cancellationToken).ConfigureAwait(false);
        Log.CredentialCreated(logger, credential.Id, componentId);
        return credential;
    }

    public ValueTask<Credential?> GetAsync(string id, CancellationToken cancellationToken = default) => store.GetAsync(id, cancellationToken);

    public ValueTask<IReadOnlyList<Credential>> ListAsync(CancellationToken cancellationToken = default) => store.ListAsync(cancellationToken);

    public async ValueTask<CredentialVerificationResult> VerifyAsync(string id, CancellationToken cancellationToken = default)
    {
        var credential = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new CredentialNotFoundException(id);
        var component = components.Find(credential.ComponentId);
        if (component is null)
        {
            return CredentialVerificationResult.Failed($"Component '{credential.ComponentId}' is not registered in this host.");
        }

        var timeout = options.Value.CredentialVerificationTimeout;
        using var timeoutSource = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeoutSource.Token);
        CredentialVerificationResult result;
        try
        {
            // The component's check runs on the thread pool so that a check that blocks cannot hold the caller past the timeout.
            var check = Task.Run(() => component.VerifyCredentialAsync((JObject)credential.Fields.DeepClone(), linked.Token).AsTask(), linked.Token);
            result = await check.WaitAsync(timeout, time, cancellationToken).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            result = CredentialVerificationResult.Failed($"The component did not verify the credential within {timeout.TotalSeconds:0} seconds.");
        }
        catch (TimeoutException)
        {
            result = CredentialVerificationResult.Failed($"The component did not verify the credential within {timeout.TotalSeconds:0} seconds.");
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            result = CredentialVerificationResult.Failed($"The component's check failed: {e.GetType().Name}: {e.Message}");
        }

        Log.CredentialVerified(logger, id, result.Verified);
        return result;
    }

    public async ValueTask DeleteAsync(string id, CancellationToken cancellationToken = default)
    {
        _ = await store.GetAsync(id, cancellationToken).ConfigureAwait(false) ?? throw new CredentialNotFoundException(id);
        var users = new List<(string Id, string Name)>();
        foreach (var flow in await flows.ListAsync(cancellationToken).ConfigureAwait(false))
        {
            var uses = flow.Draft.Steps.Any(s => s.CredentialId == id);
            if (!uses && flow.LiveVersion is { } live && await flows.GetVersionAsync(flow.Id, live, cancellationToken).ConfigureAwait(false) is { } version)
            {
                uses = version.Definition.Steps.Any(s => s.CredentialId == id);
            }

            if (uses)
            {
                users.Add((flow.Id, flow.Draft.Name));
            }
        }

        if (users.Count > 0)
        {
            throw new CredentialInUseException(id, users);
        }

        if (!await store.DeleteAsync(id, cancellationToken).ConfigureAwait(false))
        {
            throw new CredentialNotFoundException(id);
        }

        Log.CredentialDeleted(logger, id);
    }

    public JObject Redact(Credential credential)
    {
        var descriptor = components.Find(credential.ComponentId)?.Descriptor;
        var redacted = new JObject();
        foreach (var property in credential.Fields.Properties())
        {
            // Unknown components: everything but the webhook type is treated as secret.
            var secret = descriptor is null
                ? property.Name != "type"
                : descriptor.CredentialFields.FirstOrDefault(f => f.Name == property.Name)?.Secret ?? true;
            redacted[property.Name] = secret ? Redacted : property.Value.DeepClone();
        }

        return redacted;
    }
}
