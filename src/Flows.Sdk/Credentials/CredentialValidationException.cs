namespace Flows.Sdk.Credentials;

/// <summary>A credential was refused: its component is unknown or its fields are not valid.</summary>
public sealed class CredentialValidationException : Exception
{
    /// <summary>Creates the exception from the errors found.</summary>
    public CredentialValidationException(IReadOnlyList<CredentialFieldError> errors)
        : base(string.Join(" ", errors.Select(e => $"{e.Field}: {e.Message}"))) => Errors = errors;

    /// <summary>Each error with the field it is about.</summary>
    public IReadOnlyList<CredentialFieldError> Errors { get; }
}

/// <summary>What is wrong with one field of a credential.</summary>
/// <param name="Field">The field, such as <c>fields.password</c>.</param>
/// <param name="Message">What is wrong, for a person.</param>
public sealed record CredentialFieldError(string Field, string Message);
