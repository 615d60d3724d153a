using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Microsoft.Data.Sqlite;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite;

/// <summary>
/// The database's schema as numbered migrations. A migration is never changed once shipped: add the next one.
/// <c>schema_version</c> holds one row per applied migration; every pending migration runs in one transaction.
/// </summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<SqliteMigration> Migrations =
    [
        // 1: flows with drafts and versions, credentials, run log, snapshots, queue of accepted messages.
        """
        CREATE TABLE flows (
            id TEXT NOT NULL PRIMARY KEY,
            revision INTEGER NOT NULL,
            created_at INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE TABLE flow_versions (
            flow_id TEXT NOT NULL,
            number INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (flow_id, number)
        ) WITHOUT ROWID;
        CREATE TABLE credentials (
            id TEXT NOT NULL PRIMARY KEY,
            created_at INTEGER NOT NULL,
            data TEXT NOT NULL,
            secret BLOB NOT NULL
        );
        CREATE TABLE executions (
            id TEXT NOT NULL PRIMARY KEY,
            flow_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            delivery_count INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX executions_by_flow ON executions (flow_id, started_at DESC, id DESC);
        CREATE TABLE snapshots (
            flow_id TEXT NOT NULL,
            step_id TEXT NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (flow_id, step_id)
        ) WITHOUT ROWID;
        CREATE TABLE queue (
            seq INTEGER PRIMARY KEY,
            message_id TEXT NOT NULL,
            execution_id TEXT NOT NULL,
            flow_id TEXT NOT NULL,
            received_at INTEGER NOT NULL,
            not_before INTEGER NULL,
            deliveries INTEGER NOT NULL DEFAULT 0,
            leased_at INTEGER NULL,
            data TEXT NOT NULL
        );
        """,

        // 2: the key check value: the encryption key's proof, an encryption of a fixed text, written once the key is known to be right.
        """
        CREATE TABLE key_check (
            id INTEGER NOT NULL PRIMARY KEY CHECK (id = 1),
            value BLOB NOT NULL
        );
        """,

        // 3: the replay store: the message ids hooks accepted, each until its window ends.
        """
        CREATE TABLE replay_ids (
            flow_id TEXT NOT NULL,
            message_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            expires_at INTEGER NOT NULL,
            PRIMARY KEY (flow_id, message_id)
        ) WITHOUT ROWID;
        CREATE INDEX replay_ids_by_expiry ON replay_ids (expires_at);
        """,

        // 4: the run log append-only. The executions table is rebuilt with an integer key (seq, given in insertion order, stable
        // across VACUUM) and keeps the header (its data without steps); each step attempt is a row of its own, keyed by the
        // execution's seq and its number: new rows go to the end of the table, not to random pages as execution ids would.
        // Existing executions' steps move into rows; deleting an execution deletes its steps.
        """
        CREATE TABLE executions_v3 (
            seq INTEGER PRIMARY KEY,
            id TEXT NOT NULL UNIQUE,
            flow_id TEXT NOT NULL,
            request_id TEXT NOT NULL,
            status TEXT NOT NULL,
            started_at INTEGER NOT NULL,
            delivery_count INTEGER NOT NULL,
            data TEXT NOT NULL
        );
        INSERT INTO executions_v3 (id, flow_id, request_id, status, started_at, delivery_count, data)
            SELECT id, flow_id, request_id, status, started_at, delivery_count, json_remove(data, '$.Steps')
            FROM executions ORDER BY started_at, id;
        CREATE TABLE execution_steps (
            execution INTEGER NOT NULL,
            seq INTEGER NOT NULL,
            data TEXT NOT NULL,
            PRIMARY KEY (execution, seq)
        ) WITHOUT ROWID;
        INSERT INTO execution_steps (execution, seq, data)
            SELECT n.seq, s.key, s.value FROM executions AS e JOIN executions_v3 AS n ON n.id = e.id, json_each(e.data, '$.Steps') AS s;
        DROP TABLE executions;
        ALTER TABLE executions_v3 RENAME TO executions;
        CREATE INDEX executions_by_flow ON executions (flow_id, started_at DESC, id DESC);
        CREATE TRIGGER executions_delete_steps AFTER DELETE ON executions
        BEGIN
            DELETE FROM execution_steps WHERE execution = old.seq;
        END;
        """,

        // 5: the stored documents in FlowsJson's form, the one wire format of the management API and every store (camelCase,
        // states and statuses in lower case, times in UTC): flows, versions, credentials' metadata, execution headers and step
        // rows are read in the reflection-based PascalCase form of before and written again, in place. Snapshots (the
        // components' own objects) and the queue's messages keep their form.
        new SqliteMigration("", LegacyDocuments.Convert),

        // 6: the refused deliveries: the last refused hook requests of each flow (headers masked, never the body), trimmed per
        // flow as they are added.
        """
        CREATE TABLE refused_deliveries (
            seq INTEGER PRIMARY KEY,
            flow_id TEXT NOT NULL,
            data TEXT NOT NULL
        );
        CREATE INDEX refused_deliveries_by_flow ON refused_deliveries (flow_id, seq DESC);
        """,
    ];
}

/// <summary>One migration: its SQL, then (for a change of the documents' form) code that rewrites rows, on the same transaction.</summary>
/// <param name="Sql">The statements, or an empty text.</param>
/// <param name="Rewrite">What rewrites rows after the statements, or <see langword="null"/>.</param>
internal sealed record SqliteMigration(string Sql, Action<SqliteConnection>? Rewrite = null)
{
    public static implicit operator SqliteMigration(string sql) => new(sql);

    /// <summary>Runs the migration on <paramref name="connection"/>, inside the caller's transaction.</summary>
    public void Apply(SqliteConnection connection)
    {
        if (!string.IsNullOrWhiteSpace(Sql))
        {
            using var command = connection.CreateCommand();
            command.CommandText = Sql;
            command.ExecuteNonQuery();
        }

        Rewrite?.Invoke(connection);
    }
}

/// <summary>
/// Migration 5: the documents of schema 4 and before, written by Newtonsoft's reflection over the records (PascalCase names,
/// enums as numbers, times with their offsets, durations as <c>TimeSpan</c> text), rewritten in <see cref="FlowsJson"/>'s form.
/// A row already in the new form is checked and kept. A row that reads in neither form stops the migration (and so the start),
/// naming its table and key: the transaction is rolled back and the file is left as it was.
/// </summary>
internal static class LegacyDocuments
{
    private const int Page = 256;

    // The settings the documents were written with before migration 5 (Flows.Sdk.Sqlite's SqliteJson of schema 1 to 4).
    private static readonly JsonSerializerSettings Settings = new()
    {
        DateParseHandling = DateParseHandling.None,
        DateTimeZoneHandling = DateTimeZoneHandling.RoundtripKind,
        FloatParseHandling = FloatParseHandling.Double,
        NullValueHandling = NullValueHandling.Ignore,
        MaxDepth = 256,
    };

    public static void Convert(SqliteConnection connection)
    {
        Rewrite(connection, "flows", ["rowid"], "Id",
            json => FlowsJson.Flow(Read<Flow>(json)), json => FlowsJson.ReadFlow(json));
        Rewrite(connection, "flow_versions", ["flow_id", "number"], "FlowId",
            json => FlowsJson.Version(Read<FlowVersion>(json)), json => FlowsJson.ReadVersion(json));
        Rewrite(connection, "credentials", ["rowid"], "Id",
            json => FlowsJson.Credential(Read<Credential>(json)), json => FlowsJson.ReadCredential(json));
        Rewrite(connection, "executions", ["seq"], "Id",
            json => FlowsJson.ExecutionHeader(Read<FlowExecution>(json)), json => FlowsJson.ReadExecution(json));
        Rewrite(connection, "execution_steps", ["execution", "seq"], "StepId",
            json => FlowsJson.StepExecution(Read<StepExecution>(json)), json => FlowsJson.ReadStepExecution(json));
    }

    private static T Read<T>(string json) =>
        JsonConvert.DeserializeObject<T>(json, Settings) ?? throw new InvalidDataException($"A stored {typeof(T).Name} is empty.");

    /// <summary>
    /// Rewrites the <c>data</c> of every row of <paramref name="table"/>, a page at a time in the order of its key: a document
    /// with <paramref name="legacyMarker"/> (its first property in the old form) is converted, any other is read in the new form.
    /// </summary>
    private static void Rewrite(SqliteConnection connection, string table, string[] key, string legacyMarker, Func<string, JObject> convert, Action<JObject> check)
    {
        var columns = string.Join(", ", key);
        var parameters = string.Join(", ", key.Select((_, i) => $"$k{i}"));
        var keyMatch = string.Join(" AND ", key.Select((k, i) => $"{k} = $k{i}"));
        using var first = connection.CreateCommand();
        first.CommandText = $"SELECT {columns}, data FROM {table} ORDER BY {columns} LIMIT {Page};";
        using var next = connection.CreateCommand();
        next.CommandText = $"SELECT {columns}, data FROM {table} WHERE ({columns}) > ({parameters}) ORDER BY {columns} LIMIT {Page};";
        using var update = connection.CreateCommand();
        update.CommandText = $"UPDATE {table} SET data = $data WHERE {keyMatch};";
        object[]? last = null;
        while (true)
        {
            var command = first;
            if (last is not null)
            {
                next.Parameters.Clear();
                for (var i = 0; i < key.Length; i++)
                {
                    next.Parameters.AddWithValue($"$k{i}", last[i]);
                }

                command = next;
            }

            var rows = new List<(object[] Key, string Data)>(Page);
            using (var reader = command.ExecuteReader())
            {
                while (reader.Read())
                {
                    var values = new object[key.Length];
                    for (var i = 0; i < key.Length; i++)
                    {
                        values[i] = reader.GetValue(i);
                    }

                    rows.Add((values, reader.GetString(key.Length)));
                }
            }

            foreach (var (values, data) in rows)
            {
                string converted;
                try
                {
                    var json = FlowsJson.Parse(data);
                    if (!json.ContainsKey(legacyMarker))
                    {
                        check(json);
                        continue;
                    }

                    converted = convert(data).ToString(Formatting.None);
                }
                catch (Exception e) when (e is JsonException or InvalidDataException or ArgumentException or FormatException or InvalidCastException)
                {
                    throw new InvalidDataException(
                        $"Migration 5 of the SQLite database could not read the row of '{table}' with {string.Join(", ", key.Select((k, i) => $"{k} = {values[i]}"))}: {e.Message}", e);
                }

                update.Parameters.Clear();
                update.Parameters.AddWithValue("$data", converted);
                for (var i = 0; i < key.Length; i++)
                {
                    update.Parameters.AddWithValue($"$k{i}", values[i]);
                }

                update.ExecuteNonQuery();
            }

            if (rows.Count < Page)
            {
                return;
            }

            last = rows[^1].Key;
        }
    }
}
