using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Components;

/// <summary>
/// A component: what it is (its <see cref="Descriptor"/>) and how it checks its credentials.
/// Register one with <c>builder.AddComponent&lt;T&gt;()</c>; its actions are the classes named in the descriptor.
/// </summary>
public interface IComponent
{
    /// <summary>The component's descriptor: id, title, credential fields, triggers and actions with their metadata.</summary>
    ComponentDescriptor Descriptor { get; }

    /// <summary>
    /// Checks that <paramref name="fields"/> are valid credentials for this component, for example by calling its API.
    /// The engine cancels the check after 30 seconds. The default accepts any credential.
    /// </summary>
    /// <param name="fields">The credential's fields, secrets included.</param>
    /// <param name="cancellationToken">Cancelled when the check takes too long or the caller gives up.</param>
    ValueTask<CredentialVerificationResult> VerifyCredentialAsync(JObject fields, CancellationToken cancellationToken) =>
        new(CredentialVerificationResult.Success);

    /// <summary>
    /// Returns a sample of what an action emits, for example by calling the API it wraps, so that later steps can map from it.
    /// <see langword="null"/> (the default) lets the engine build one from the action's output metadata.
    /// </summary>
    ValueTask<JObject?> RetrieveSampleAsync(ActionRequest request, CancellationToken cancellationToken) => new((JObject?)null);

    /// <summary>
    /// Computes an action's metadata from the step's configuration (dynamic metadata), for example the fields of the object type
    /// the step is configured for. Called at publish; the version keeps the result. <see langword="null"/> (the default) keeps
    /// the descriptor's static metadata.
    /// </summary>
    ValueTask<ActionMetadata?> GetActionMetadataAsync(ActionRequest request, CancellationToken cancellationToken) => new((ActionMetadata?)null);
}
