using System.Text;
using Flows.Sdk.Credentials;
using Flows.Sdk.Execution;
using Flows.Sdk.Flows;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>
/// Migration 5: a file whose documents are in the PascalCase form of schema 4 and before opens after the upgrade and reads
/// back the same flows, versions, credentials and executions; its rows are then in <see cref="FlowsJson"/>'s form. A row that
/// reads in neither form stops the start and leaves the file as it was.
/// </summary>
public sealed class SqliteWireFormatMigrationTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 4, 5, 6, 7, TimeSpan.FromHours(2));

    private TempDirectory _directory = null!;

    private string DatabasePath => _directory.File("flows.db");

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    [CancelAfter(60_000)]
    public async Task A_file_in_the_old_form_reads_back_the_same_documents_after_the_upgrade()
    {
        var (flow, version, credential, execution) = Documents();
        CreateVersion4(DatabasePath, flow, version, credential, execution, foreignFlowRow: null);

        await using (var stores = new SqliteStoreFactory(DatabasePath, new FakeTimeProvider(T0)))
        {
            Deep(await stores.Flows.GetAsync(flow.Id)).Should().Be(Deep(flow));
            (await stores.Flows.ListAsync()).Select(Deep).Should().Equal(Deep(flow));
            Deep(await stores.Flows.GetVersionAsync(flow.Id, version.Number)).Should().Be(Deep(version));
            Deep(await stores.Credentials.GetAsync(credential.Id)).Should().Be(Deep(credential));
            (await stores.Credentials.ListAsync()).Single().Fields["apiKey"]!.Value<string>().Should().Be("s3cret");
            var read = await stores.Executions.GetAsync(execution.Id);
            Deep(read).Should().Be(Deep(execution));
            read!.Steps[0].Duration.Should().Be(TimeSpan.FromTicks(123_456_789));
            read.Failure!.StepOutputs["step_1"]!["name"]!.Value<string>().Should().Be("Rex");

            await stores.Database.FlushAsync();
            var rows = await stores.Database.ReadAsync(context =>
            {
                var command = context.Command(
                    "SELECT data FROM flows UNION ALL SELECT data FROM flow_versions UNION ALL SELECT data FROM credentials " +
                    "UNION ALL SELECT data FROM executions UNION ALL SELECT data FROM execution_steps;");
                using var reader = command.ExecuteReader();
                var all = new List<string>();
                while (reader.Read())
                {
                    all.Add(reader.GetString(0));
                }

                return all;
            });
            rows.Should().HaveCount(6);
            rows.Should().OnlyContain(r => r.StartsWith("{\"id\":", StringComparison.Ordinal) || r.StartsWith("{\"flowId\":", StringComparison.Ordinal) || r.StartsWith("{\"stepId\":", StringComparison.Ordinal));
            FlowsJson.ReadFlow(FlowsJson.Parse(rows[0])).Revision.Should().Be(flow.Revision);

            // The store goes on writing and reading in the new form.
            var updated = flow with { Draft = flow.Draft with { Name = "renamed" }, Revision = flow.Revision + 1 };
            (await stores.Flows.TryUpdateAsync(updated, flow.Revision)).Should().BeTrue();
        }

        await using (var reopened = new SqliteStoreFactory(DatabasePath, new FakeTimeProvider(T0)))
        {
            (await reopened.Flows.GetAsync(flow.Id))!.Draft.Name.Should().Be("renamed");
            Deep(await reopened.Executions.GetAsync(execution.Id)).Should().Be(Deep(execution));
            await reopened.Database.FlushAsync();
            var versions = await reopened.Database.ReadAsync(context => (string?)context.Command("SELECT group_concat(version) FROM schema_version;").ExecuteScalar());
            versions.Should().Be(string.Join(",", Enumerable.Range(1, SqliteSchema.Migrations.Count)));
        }
    }

    [Test]
    [CancelAfter(60_000)]
    public async Task A_row_in_neither_form_stops_the_upgrade_and_leaves_the_file_as_it_was()
    {
        var (flow, version, credential, execution) = Documents();
        CreateVersion4(DatabasePath, flow, version, credential, execution, foreignFlowRow: """{"name": "not a flow"}""");
        var before = Dump(DatabasePath);

        var open = async () =>
        {
            await using var stores = new SqliteStoreFactory(DatabasePath, new FakeTimeProvider(T0));
            await stores.Database.EnsureInitializedAsync();
        };

        (await open.Should().ThrowAsync<InvalidDataException>())
            .WithMessage("*'flows'*rowid = 2*'id'*");
        Dump(DatabasePath).Should().Be(before, "the migration runs in one transaction");
    }

    private static (Flow Flow, FlowVersion Version, Credential Credential, FlowExecution Execution) Documents()
    {
        var draft = new FlowDraft("orders",
        [
            new StepDefinition
            {
                Id = "step_1", ComponentId = "webhook", Function = "receive", CredentialId = "c1",
                Sample = new SampleDefinition("json", """{"name": "Rex"}""")
                {
                    Sample = new JObject { ["name"] = "Rex" },
                    Schema = new JObject { ["type"] = "object", ["properties"] = new JObject { ["name"] = new JObject { ["type"] = "string" } } },
                },
                Configuration = new JObject { ["authentication"] = "hmac" },
                OutMetadata = new JObject { ["type"] = "object" },
            },
            new StepDefinition
            {
                Id = "step_2", ComponentId = "petstore", Function = "createPet", CredentialId = "c1",
                Mapping = new Dictionary<string, string> { ["name"] = "step_1.name" },
                MappingTimeLimitSeconds = 12.5,
                Configuration = new JObject { ["list"] = new JArray(1, 2.5, "three") },
                InMetadata = new JObject { ["type"] = "object" },
            },
            new StepDefinition { Id = "step_3", ComponentId = "reply", Function = "reply", MappingExpression = "{ 'status': 201 }", MappingTimeLimitSeconds = 300 },
        ]);
        var flow = new Flow
        {
            Id = "f1", State = FlowState.Running, LatestVersion = 2, LiveVersion = 2, Draft = draft, Revision = 5,
            CreatedAt = T0, UpdatedAt = new DateTimeOffset(2026, 3, 5, 1, 2, 3, TimeSpan.FromMinutes(-330)).AddTicks(1234567),
        };
        var version = new FlowVersion("f1", 2, draft, T0.AddHours(1).AddTicks(7));
        var credential = new Credential { Id = "c1", Name = "Petstore key", ComponentId = "petstore", Fields = new JObject { ["apiKey"] = "s3cret" }, CreatedAt = T0 };
        var execution = new FlowExecution
        {
            Id = "e1", FlowId = "f1", FlowVersion = 2, RequestId = "r1", MessageId = "m1", Status = ExecutionStatus.Failed,
            StartedAt = T0.AddMinutes(5), FinishedAt = T0.AddMinutes(5).AddSeconds(2), DeliveryCount = 2, PendingRebounds = 0,
            Failure = new ExecutionFailure("step_2", new JObject { ["name"] = "Rex" }, new JObject { ["step_1"] = new JObject { ["name"] = "Rex" } }, 3),
            Steps =
            [
                new StepExecution
                {
                    StepId = "step_1", Status = ExecutionStatus.Succeeded, StartedAt = T0.AddMinutes(5), Duration = TimeSpan.FromTicks(123_456_789),
                    Input = new JObject { ["sentAt"] = "2026-03-04T05:06:07+02:00" }, Output = new JObject { ["name"] = "Rex" },
                },
                new StepExecution
                {
                    StepId = "step_2", Attempt = 3, Status = ExecutionStatus.Failed, StartedAt = T0.AddMinutes(5).AddSeconds(1),
                    Input = new JArray(1, "two"), Error = new StepError("HttpRequestException", "The pet store answered 503."),
                    Duration = TimeSpan.FromMilliseconds(4.5),
                },
            ],
        };
        return (flow, version, credential, execution);
    }

    /// <summary>A file as schema 4 left it: every document in the old PascalCase form, the credential's secret encrypted.</summary>
    private static void CreateVersion4(string path, Flow flow, FlowVersion version, Credential credential, FlowExecution execution, string? foreignFlowRow)
    {
        using (var connection = new SqliteConnection($"Data Source={path};Pooling=False"))
        {
            connection.Open();
            using var transaction = connection.BeginTransaction();
            Run(connection, "CREATE TABLE schema_version (version INTEGER NOT NULL PRIMARY KEY, applied_at TEXT NOT NULL);"
                + string.Concat(SqliteSchema.Migrations.Take(4).Select(m => m.Sql))
                + "INSERT INTO schema_version VALUES (1, '2026-11-01'), (2, '2026-11-02'), (3, '2026-11-03'), (4, '2026-11-04');");
            Run(connection, "INSERT INTO flows (id, revision, created_at, data) VALUES ($id, $revision, $created, $data);",
                ("$id", flow.Id), ("$revision", flow.Revision), ("$created", flow.CreatedAt.UtcTicks), ("$data", LegacySqliteJson.Serialize(flow)));
            if (foreignFlowRow is not null)
            {
                Run(connection, "INSERT INTO flows (id, revision, created_at, data) VALUES ('f2', 1, 0, $data);", ("$data", foreignFlowRow));
            }

            Run(connection, "INSERT INTO flow_versions (flow_id, number, data) VALUES ($flow, $number, $data);",
                ("$flow", version.FlowId), ("$number", version.Number), ("$data", LegacySqliteJson.Serialize(version)));
            var secret = new AesGcmCredentialProtector(SqliteStoreFactory.TestKey)
                .Protect(Encoding.UTF8.GetBytes(credential.Fields.ToString(Formatting.None)), credential.Id);
            Run(connection, "INSERT INTO credentials (id, created_at, data, secret) VALUES ($id, $created, $data, $secret);",
                ("$id", credential.Id), ("$created", credential.CreatedAt.UtcTicks), ("$data", LegacySqliteJson.Serialize(credential with { Fields = [] })), ("$secret", secret));

            // Schema 4's header: the execution's document without its steps; each step in a row of its own.
            var header = JObject.Parse(LegacySqliteJson.Serialize(execution));
            header.Remove("Steps");
            Run(connection, "INSERT INTO executions (id, flow_id, request_id, status, started_at, delivery_count, data) VALUES ($id, $flow, $request, $status, $started, $deliveries, $data);",
                ("$id", execution.Id), ("$flow", execution.FlowId), ("$request", execution.RequestId), ("$status", execution.Status.ToString()),
                ("$started", execution.StartedAt.UtcTicks), ("$deliveries", execution.DeliveryCount), ("$data", header.ToString(Formatting.None)));
            for (var i = 0; i < execution.Steps.Count; i++)
            {
                Run(connection, "INSERT INTO execution_steps (execution, seq, data) VALUES ((SELECT seq FROM executions WHERE id = $id), $seq, $data);",
                    ("$id", execution.Id), ("$seq", i), ("$data", LegacySqliteJson.Serialize(execution.Steps[i])));
            }

            transaction.Commit();
        }

        SqliteConnection.ClearAllPools();
    }

    private static void Run(SqliteConnection connection, string sql, params (string Name, object Value)[] parameters)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }

        command.ExecuteNonQuery();
    }

    /// <summary>Every row of the document tables and the schema versions, as text.</summary>
    private static string Dump(string path)
    {
        using var connection = new SqliteConnection($"Data Source={path};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText =
            "SELECT 'v' || group_concat(version) FROM schema_version UNION ALL SELECT data FROM flows UNION ALL SELECT data FROM flow_versions " +
            "UNION ALL SELECT data FROM credentials UNION ALL SELECT data FROM executions UNION ALL SELECT data FROM execution_steps;";
        using var reader = command.ExecuteReader();
        var text = new StringBuilder();
        while (reader.Read())
        {
            text.AppendLine(reader.GetString(0));
        }

        return text.ToString();
    }

    /// <summary>Every property, deep, in one text (times as their instants): two records with the same text hold the same data.</summary>
    private static string Deep(object? value) => JsonConvert.SerializeObject(value, new JsonSerializerSettings { Converters = [new InstantConverter()] });

    private sealed class InstantConverter : JsonConverter
    {
        public override bool CanConvert(Type objectType) => objectType == typeof(DateTimeOffset) || objectType == typeof(DateTimeOffset?);

        public override void WriteJson(JsonWriter writer, object? value, JsonSerializer serializer) =>
            writer.WriteValue(value is DateTimeOffset time ? time.UtcTicks : null);

        public override object? ReadJson(JsonReader reader, Type objectType, object? existingValue, JsonSerializer serializer) =>
            throw new NotSupportedException("Only written.");
    }
}
