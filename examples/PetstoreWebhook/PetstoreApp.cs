using Flows.Sdk.DependencyInjection;
using Flows.Sdk.PostgreSql;
using Flows.Sdk.Sqlite;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Options;
using Petstore.Component;

namespace PetstoreWebhook;

/// <summary>Builds and runs the tutorial app; tests build it the same way.</summary>
public static class PetstoreApp
{
    /// <summary>Builds the app: webhook flows with the Petstore component, the hook, the protected management API and the stand-in Petstore API.</summary>
    public static WebApplication Create(string[] args)
    {
        var builder = WebApplication.CreateBuilder(args);

        // Engine settings (body limit, concurrency, retries, run-log retention, ...) from the "WebhookFlows" section.
        builder.Services.Configure<WebhookFlowsOptions>(builder.Configuration.GetSection("WebhookFlows"));
        var flows = builder.Services.AddWebhookFlows().AddPetstore();
        var health = builder.Services.AddHealthChecks();
        UseStorage(flows, health, builder);
        UseQueue(flows, builder);

        // Unless Petstore:BaseUrl says otherwise, the component calls the stand-in served by this very app.
        builder.Services.AddOptions<PetstoreOptions>()
            .Bind(builder.Configuration.GetSection("Petstore"))
            .Configure<IServer>((options, server) => options.BaseUrl ??= new Uri(OwnBaseUrl(server) + "/petstore/v2/"));
        builder.Services.AddSingleton<PetstoreStandIn>();

        // The management key as a Bearer header, or the cookie the sign-in page sets (for the dashboard).
        builder.Services.AddManagementAuthentication();
        builder.Services.AddAuthorization();

        // The management API's OpenAPI document at /openapi/v1.json, linked from the dashboard.
        builder.Services.AddOpenApi(options => options.ShouldInclude = description =>
            description.RelativePath?.StartsWith("api/", StringComparison.Ordinal) == true);

        var app = builder.Build();
        if (string.IsNullOrEmpty(app.Configuration["Management:ApiKey"]))
        {
            throw new OptionsValidationException("Management:ApiKey", typeof(string), ["Management:ApiKey must be set: it protects the management API."]);
        }

        app.UseAuthentication();
        app.UseCrossSiteProtection();
        app.UseAuthorization();
        app.MapWebhookFlows();
        app.MapWebhookFlowsApi();
        app.MapOpenApi().RequireAuthorization();
        app.MapSignIn();
        app.MapWebhookFlowsDashboard("/dashboard", options =>
        {
            options.SignInPath = CookieSignIn.SignInPath;
            options.SignOutPath = CookieSignIn.SignOutPath;
        });
        PetstoreStandIn.Map(app);
        app.MapHealthChecks("/healthz");
        return app;
    }

    /// <summary>
    /// <c>Storage:Provider</c> <c>Sqlite</c> (the default): flows, credentials, run log and accepted messages in the file
    /// <c>Storage:Sqlite:Path</c> (default <c>./data/flows.db</c> under the content root), kept across restarts.
    /// <c>PostgreSql</c>: everything in the database of <c>Storage:PostgreSql:ConnectionString</c> (schema
    /// <c>Storage:PostgreSql:Schema</c>, default <c>flows</c>), shared by every node started on it; <c>/healthz</c> checks it.
    /// <c>InMemory</c>: everything ends with the process.
    /// </summary>
    private static void UseStorage(IWebhookFlowsBuilder flows, IHealthChecksBuilder health, WebApplicationBuilder builder)
    {
        var provider = builder.Configuration["Storage:Provider"] ?? "Sqlite";
        if (string.Equals(provider, "InMemory", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (string.Equals(provider, "PostgreSql", StringComparison.OrdinalIgnoreCase))
        {
            var schema = builder.Configuration["Storage:PostgreSql:Schema"];
            flows.UsePostgreSql(options =>
            {
                options.ConnectionString = builder.Configuration[PostgreSqlStorageOptions.ConnectionStringSetting] ?? string.Empty;
                options.Schema = string.IsNullOrWhiteSpace(schema) ? options.Schema : schema;
            });
            health.AddWebhookFlowsPostgreSql();
            return;
        }

        if (!string.Equals(provider, "Sqlite", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsValidationException("Storage:Provider", typeof(string), [$"Storage:Provider must be Sqlite, PostgreSql or InMemory; it is '{provider}'."]);
        }

        var path = builder.Configuration["Storage:Sqlite:Path"];
        var synchronous = builder.Configuration.GetValue("Storage:Sqlite:Synchronous", SqliteSynchronousMode.Full);
        flows.UseSqlite(options =>
        {
            options.Path = Path.GetFullPath(string.IsNullOrWhiteSpace(path) ? "./data/flows.db" : path, builder.Environment.ContentRootPath);
            options.Synchronous = synchronous;
        });
    }

    /// <summary>
    /// <c>Queue:Provider</c>: <c>Store</c> (the default: the store's own queue, SQLite's or in memory) or <c>RabbitMQ</c>, with
    /// <c>Queue:RabbitMQ:Uri</c> (e.g. <c>amqp://guest:guest@localhost:5672/</c>): accepted messages, synchronous replies and
    /// flow-state changes go through the broker, so several nodes share the work. <c>/healthz</c> reports the broker's connection.
    /// </summary>
    private static void UseQueue(IWebhookFlowsBuilder flows, WebApplicationBuilder builder)
    {
        var health = builder.Services.AddHealthChecks();
        var provider = builder.Configuration["Queue:Provider"] ?? "Store";
        if (string.Equals(provider, "Store", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (!string.Equals(provider, "RabbitMQ", StringComparison.OrdinalIgnoreCase))
        {
            throw new OptionsValidationException("Queue:Provider", typeof(string), [$"Queue:Provider must be Store or RabbitMQ; it is '{provider}'."]);
        }

        var uri = builder.Configuration[Flows.Sdk.RabbitMQ.RabbitMqOptions.UriSetting];
        if (!Uri.TryCreate(uri, UriKind.Absolute, out var parsed))
        {
            throw new OptionsValidationException("Queue:RabbitMQ:Uri", typeof(string), ["Queue:RabbitMQ:Uri must be an amqp:// URI when Queue:Provider is RabbitMQ (e.g. amqp://guest:guest@localhost:5672/)."]);
        }

        flows.UseRabbitMq(options =>
        {
            builder.Configuration.GetSection("Queue:RabbitMQ").Bind(options);
            options.Uri = parsed;
        });
        health.AddFlowsRabbitMq();
    }

    /// <summary>Runs the app: starts it, sets up the tutorial's flow (unless <c>Tutorial:Seed</c> is false), and waits for shutdown.</summary>
    public static async Task RunAsync(string[] args)
    {
        await using var app = Create(args);
        await app.StartAsync();
        Console.WriteLine($"Dashboard: {OwnBaseUrl(app.Services.GetRequiredService<IServer>())}/dashboard/ (sign in with the management key)");
        if (app.Configuration.GetValue("Tutorial:Seed", true))
        {
            // Several nodes may start at once on one database: one at a time looks for the tutorial and creates it when missing.
            await using var seeding = await TutorialSeedLock.AcquireAsync(app.Configuration, app.Lifetime.ApplicationStopping);
            await TutorialSetup.RunAsync(app.Services, OwnBaseUrl(app.Services.GetRequiredService<IServer>()), app.Configuration["Management:ApiKey"]!, app.Lifetime.ApplicationStopping);
        }

        await app.WaitForShutdownAsync();
    }

    /// <summary>The app's own address, with a wildcard host replaced by 127.0.0.1 so that it can be called.</summary>
    public static string OwnBaseUrl(IServer server)
    {
        var address = server.Features.Get<IServerAddressesFeature>()?.Addresses.FirstOrDefault()
            ?? throw new InvalidOperationException("The server has no address yet.");
        var uri = new UriBuilder(address.Replace("://+", "://127.0.0.1", StringComparison.Ordinal).Replace("://*", "://127.0.0.1", StringComparison.Ordinal));
        if (uri.Host is "0.0.0.0" or "[::]" or "::")
        {
            uri.Host = "127.0.0.1";
        }

        return uri.Uri.GetLeftPart(UriPartial.Authority);
    }
}
