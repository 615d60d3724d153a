using Flows.Sdk.Credentials;

namespace Flows.Sdk.Sqlite;

/// <summary>The protector the SQLite store uses, shared by its credential store and its key check at start.</summary>
internal sealed record SqliteProtector(ICredentialProtector Protector);
