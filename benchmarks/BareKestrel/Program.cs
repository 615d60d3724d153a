using System.IO.Pipelines;

// The peer for the hook throughput benchmark: a bare Kestrel endpoint that only reads the request body to its end and
// answers with a small JSON acknowledgement, as a hook does, with nothing else (no auth, no parsing, no queue).
var builder = WebApplication.CreateSlimBuilder(args);
builder.Logging.ClearProviders();
var app = builder.Build();
app.MapPost("/bare", async (HttpContext context) =>
{
    var reader = context.Request.BodyReader;
    while (true)
    {
        var read = await reader.ReadAsync(context.RequestAborted);
        reader.AdvanceTo(read.Buffer.End);
        if (read.IsCompleted)
        {
            break;
        }
    }

    context.Response.ContentType = "application/json; charset=utf-8";
    await context.Response.WriteAsync("""{"requestId":"00000000000000000000000000000000","message":"thank you"}""");
});
app.Run();
