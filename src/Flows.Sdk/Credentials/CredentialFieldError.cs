namespace Flows.Sdk.Credentials;

/// <summary>One problem with a credential's fields: the field's name and a message that names it (never its value).</summary>
/// <param name="Field">The field, as named in the credential's <c>fields</c> object (for example <c>headerName</c>, <c>secrets[1]</c>).</param>
/// <param name="Message">What is wrong, for the person who entered it.</param>
internal readonly record struct CredentialFieldError(string Field, string Message);
