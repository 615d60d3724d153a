using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using WorkerHost;

// The same engine without ASP.NET Core: a generic host whose hook requests come as JSON lines on standard input.
//   echo '{"body": {"name": "Gromit"}}' | dotnet run --project examples/WorkerHost
var builder = Host.CreateApplicationBuilder(args);
builder.Logging.AddConsole(options => options.LogToStandardErrorThreshold = LogLevel.Trace);
builder.Services.AddWebhookFlows().AddComponent<GreetingComponent>();
builder.Services.AddHostedService<StandardInputHookSource>();
await builder.Build().RunAsync();
