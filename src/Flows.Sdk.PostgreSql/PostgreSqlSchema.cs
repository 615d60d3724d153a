namespace Flows.Sdk.PostgreSql;

/// <summary>
/// The store's migrations, in order: migration <c>n</c> brings the schema from version <c>n - 1</c> to <c>n</c>. Each runs in
/// its own transaction, under the store's advisory lock, and is recorded in <c>schema_version</c>. Never change a shipped
/// migration: add one.
/// </summary>
/// <remarks>
/// Times are UTC ticks (<c>bigint</c>, 100 ns since 0001-01-01), so every <see cref="DateTimeOffset"/> reads back exactly.
/// Ids are <c>COLLATE "C"</c>, so "ordered by id" is ordinal whatever the database's locale. Documents (flows and versions in
/// <see cref="FlowsJson"/>'s stored form, each step attempt as <see cref="FlowsJson.StepExecution"/>; payloads and snapshots) are <c>text</c> holding JSON: PostgreSQL's <c>jsonb</c> would reorder object keys.
/// </remarks>
internal static class PostgreSqlSchema
{
    public static readonly IReadOnlyList<string> Migrations =
    [
        // 1: flows, versions, credentials, the append-only run log, snapshots, replay ids, the key check value.
        """
        CREATE TABLE flows (
            id text COLLATE "C" PRIMARY KEY,
            created_at bigint NOT NULL,
            updated_at bigint NOT NULL,
            revision bigint NOT NULL,
            state text NOT NULL,
            latest_version integer NULL,
            live_version integer NULL,
            data text NOT NULL
        );
        CREATE INDEX flows_created ON flows (created_at, id);

        CREATE TABLE flow_versions (
            flow_id text COLLATE "C" NOT NULL,
            version integer NOT NULL,
            published_at bigint NOT NULL,
            data text NOT NULL,
            PRIMARY KEY (flow_id, version)
        );

        CREATE TABLE credentials (
            id text COLLATE "C" PRIMARY KEY,
            name text NOT NULL,
            component_id text NOT NULL,
            created_at bigint NOT NULL,
            secret bytea NOT NULL
        );

        CREATE TABLE executions (
            id text COLLATE "C" PRIMARY KEY,
            flow_id text COLLATE "C" NOT NULL,
            flow_version integer NOT NULL,
            request_id text NOT NULL,
            message_id text NOT NULL,
            status text NOT NULL,
            started_at bigint NOT NULL,
            finished_at bigint NULL,
            delivery_count integer NOT NULL,
            pending_rebounds integer NOT NULL,
            failed_step_id text NULL,
            failed_message text NULL,
            failed_step_outputs text NULL,
            failed_attempt integer NULL,
            next_seq integer NOT NULL
        );
        CREATE INDEX executions_flow ON executions (flow_id, started_at DESC, id DESC);

        CREATE TABLE execution_steps (
            execution_id text COLLATE "C" NOT NULL REFERENCES executions (id) ON DELETE CASCADE,
            seq integer NOT NULL,
            data text NOT NULL,
            PRIMARY KEY (execution_id, seq)
        );

        CREATE TABLE snapshots (
            flow_id text COLLATE "C" NOT NULL,
            step_id text COLLATE "C" NOT NULL,
            data text NOT NULL,
            PRIMARY KEY (flow_id, step_id)
        );

        CREATE TABLE replay_ids (
            flow_id text COLLATE "C" NOT NULL,
            message_id text COLLATE "C" NOT NULL,
            request_id text NOT NULL,
            expires_at bigint NOT NULL,
            PRIMARY KEY (flow_id, message_id)
        );
        CREATE INDEX replay_ids_expires ON replay_ids (expires_at);

        CREATE TABLE key_check (
            id integer PRIMARY KEY,
            value bytea NOT NULL
        );
        """,

        // 2: the queue of accepted messages, shared by every node: each row holds QueuedMessageCodec's bytes; a delivery leases
        // it (lease_until, lease_id) and an acknowledgement deletes it.
        """
        CREATE TABLE queue (
            seq bigserial PRIMARY KEY,
            flow_id text COLLATE "C" NOT NULL,
            message_id text NOT NULL,
            body bytea NOT NULL,
            not_before bigint NOT NULL,
            deliveries integer NOT NULL DEFAULT 0,
            lease_until bigint NULL,
            lease_id uuid NULL
        );
        CREATE INDEX queue_flow ON queue (flow_id, seq);
        """,

        // 3: the refused deliveries: the last refused hook requests of each flow (FlowsJson.RefusedDelivery: headers masked,
        // never the body), trimmed per flow as they are added.
        """
        CREATE TABLE refused_deliveries (
            seq bigserial PRIMARY KEY,
            flow_id text COLLATE "C" NOT NULL,
            data text NOT NULL
        );
        CREATE INDEX refused_deliveries_flow ON refused_deliveries (flow_id, seq DESC);
        """,
    ];
}
