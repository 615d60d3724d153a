using Flows.Sdk.Execution;
using Flows.Sdk.Sqlite.Tests.Contract;
using Flows.Sdk.Sqlite.Tests.Support;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Time.Testing;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests;

/// <summary>The queue's rows: the wire form of the message, and the rows of the form before it still delivered after an upgrade.</summary>
[CancelAfter(30_000)]
public sealed class SqliteQueueFormTests
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 30, 12, 0, 0, TimeSpan.Zero);

    private TempDirectory _directory = null!;

    [SetUp]
    public void SetUp() => _directory = new TempDirectory();

    [TearDown]
    public void TearDown() => _directory.Dispose();

    [Test]
    public async Task A_row_holds_the_wire_form_with_the_body_as_it_was_sent()
    {
        var time = new FakeTimeProvider(T0);
        await using var stores = new SqliteStoreFactory(_directory.File("flows.db"), time);
        var body = MessageBody.FromUtf8("""{"petname":"Grömit","n":1.50}"""u8);
        var message = StoreContractTests.NewMessage("m1") with { Body = body, Request = new TriggerRequest("POST", "http://h/hook/f1", "", [], [new("x", "y")]) };

        (await stores.Queue.TryEnqueueAsync(message)).Should().BeTrue();
        await stores.Database.FlushAsync();
        var row = await stores.Database.ReadAsync(context => (byte[])context.Command("SELECT data FROM queue;").ExecuteScalar()!);

        QueuedMessageCodec.Read(row).Body.Should().Be(body, "the body's bytes are stored as they came, 1.50 included");
        var delivered = await stores.Queue.DequeueAsync();
        delivered.Message.Body.Should().Be(body);
        delivered.Message.Request!.Headers.Should().ContainSingle().Which.Should().Be(new KeyValuePair<string, string>("x", "y"));
    }

    [Test]
    public async Task Rows_of_the_form_before_the_wire_form_are_delivered_after_the_upgrade()
    {
        var path = _directory.File("flows.db");
        var time = new FakeTimeProvider(T0);
        await using (var before = new SqliteStoreFactory(path, time))
        {
            await before.Database.EnsureInitializedAsync();
        }

        // Rows as the previous version wrote them: the record's reflection-based JSON, the body the trigger's whole output.
        const string FirstDelivery = """{"MessageId":"m-old","RequestId":"r-old","ExecutionId":"e-old","FlowId":"f1","FlowVersion":2,"Body":{"petname":"Gromit","born":"2020-01-01T00:00:00Z","_method":"POST","_headers":{"x":"y"}},"ReceivedAt":"2026-11-30T11:59:00+00:00","Attempt":1,"Rebounds":0}""";
        const string Retry = """{"MessageId":"m-retry","RequestId":"r-retry","ExecutionId":"e-retry","FlowId":"f1","FlowVersion":1,"Body":{"name":"Gromit"},"ReceivedAt":"2026-11-30T11:59:30+00:00","ResumeStepId":"step_2","StepOutputs":{"step_1":{"a":1}},"Attempt":3,"Rebounds":1}""";
        using (var connection = new SqliteConnection($"Data Source={path}"))
        {
            connection.Open();
            foreach (var (id, json) in new[] { ("m-old", FirstDelivery), ("m-retry", Retry) })
            {
                using var insert = connection.CreateCommand();
                insert.CommandText = "INSERT INTO queue (message_id, execution_id, flow_id, received_at, data) VALUES ($id, 'e', 'f1', 0, $data);";
                insert.Parameters.AddWithValue("$id", id);
                insert.Parameters.AddWithValue("$data", json);
                insert.ExecuteNonQuery();
            }
        }

        SqliteConnection.ClearAllPools();
        await using var after = new SqliteStoreFactory(path, time);
        var first = (await after.Queue.DequeueAsync()).Message;
        var second = (await after.Queue.DequeueAsync()).Message;

        first.MessageId.Should().Be("m-old");
        first.FlowVersion.Should().Be(2);
        first.Request.Should().BeNull("the old body is the trigger's whole output already");
        var output = TriggerOutput.Compose(first.Body, first.Request).ToObject();
        output["born"]!.Type.Should().Be(JTokenType.String);
        output["_headers"]!["x"]!.Value<string>().Should().Be("y");
        first.ReceivedAt.Should().Be(new DateTimeOffset(2026, 11, 30, 11, 59, 0, TimeSpan.Zero));
        second.ResumeStepId.Should().Be("step_2");
        second.StepOutputs!["step_1"]!["a"]!.Value<int>().Should().Be(1);
        (second.Attempt, second.Rebounds).Should().Be((3, 1));
        second.Body.ToObject()["name"]!.Value<string>().Should().Be("Gromit");
    }
}
