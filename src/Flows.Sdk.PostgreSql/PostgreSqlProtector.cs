using Flows.Sdk.Credentials;

namespace Flows.Sdk.PostgreSql;

/// <summary>The protector the PostgreSQL store uses, shared by its credential store and its key check at start.</summary>
internal sealed record PostgreSqlProtector(ICredentialProtector Protector);
