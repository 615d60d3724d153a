using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.ScaleOut.Tests.Support;

/// <summary>
/// The Petstore API the example nodes call instead of their own stand-in (<c>--Petstore:BaseUrl</c>), in the test process on
/// 127.0.0.1: each node gets a base address of its own (<c>/{node}/</c>), so the API knows which node ran the step. It answers
/// <c>POST /{node}/pet</c> after <see cref="Delay"/> (an action that takes time, so runs are in flight when a node dies) with the
/// pet and the node that created it, and counts the calls: begun and completed, per pet name and per node.
/// </summary>
internal sealed class RecordingPetstore : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentDictionary<string, int> _completedByName = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _inFlightByNode = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<string, int> _completedByNode = new(StringComparer.Ordinal);
    private long _nextId = 1000;

    private RecordingPetstore(WebApplication app, Uri address)
    {
        _app = app;
        Address = address;
    }

    /// <summary>How long a <c>POST /pet</c> takes.</summary>
    public TimeSpan Delay { get; set; }

    public Uri Address { get; }

    public static async Task<RecordingPetstore> StartAsync(TimeSpan delay)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        RecordingPetstore? store = null;
        app.MapGet("/{node}/user/me", () => Results.Json(new { id = 1, username = "recording" }));
        app.MapPost("/{node}/pet", async (string node, HttpContext http) => await store!.CreateAsync(node, http));
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        store = new RecordingPetstore(app, new Uri(address)) { Delay = delay };
        return store;
    }

    /// <summary>The base address a node is given: the API tells the nodes apart by it.</summary>
    public string BaseUrlFor(string node) => new Uri(Address, $"/{node}/").ToString();

    /// <summary>How many calls for the pet completed (the step got its answer, unless its node died meanwhile).</summary>
    public int CompletedFor(string petName) => _completedByName.GetValueOrDefault(petName);

    /// <summary>How many calls from the node are waiting for their answer now.</summary>
    public int InFlightFrom(string node) => _inFlightByNode.GetValueOrDefault(node);

    /// <summary>How many calls from the node completed.</summary>
    public int CompletedFrom(string node) => _completedByNode.GetValueOrDefault(node);

    public async ValueTask DisposeAsync()
    {
        using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await _app.StopAsync(stopping.Token);
        await _app.DisposeAsync();
    }

    private async Task<IResult> CreateAsync(string node, HttpContext http)
    {
        using var reader = new StreamReader(http.Request.Body);
        var pet = JObject.Parse(await reader.ReadToEndAsync(http.RequestAborted));
        var name = (string?)pet["name"] ?? string.Empty;
        _inFlightByNode.AddOrUpdate(node, 1, (_, n) => n + 1);
        try
        {
            await Task.Delay(Delay, http.RequestAborted);
        }
        finally
        {
            _inFlightByNode.AddOrUpdate(node, 0, (_, n) => n - 1);
        }

        _completedByName.AddOrUpdate(name, 1, (_, n) => n + 1);
        _completedByNode.AddOrUpdate(node, 1, (_, n) => n + 1);
        pet["id"] = Interlocked.Increment(ref _nextId);
        pet["node"] = node;
        return Results.Text(pet.ToString(Newtonsoft.Json.Formatting.None), "application/json");
    }
}
