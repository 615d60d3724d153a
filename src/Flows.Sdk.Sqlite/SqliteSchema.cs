namespace Flows.Sdk.Sqlite;

/// <summary>
/// The database's schema as numbered migrations. A migration is never changed once shipped: add the next one.
/// <c>schema_version</c> holds one row per applied migration.
/// </summary>
internal static class SqliteSchema
{
    public static readonly IReadOnlyList<string> Migrations =
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

        // 5: the refused deliveries: the last refused hook requests of each flow (headers masked, never the body), trimmed per
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
