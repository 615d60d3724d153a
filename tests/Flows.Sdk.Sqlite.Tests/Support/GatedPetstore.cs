using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Newtonsoft.Json.Linq;

namespace Flows.Sdk.Sqlite.Tests.Support;

/// <summary>
/// A Petstore API for the crash test, in the test process (so it outlives the killed app): <c>POST /petstore/v2/pet</c> answers
/// the first <c>passFirst</c> calls at once and holds every later one until <see cref="Open"/>, so that the app is killed while
/// accepted messages are provably unfinished (their action is waiting here).
/// </summary>
internal sealed class GatedPetstore : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly TaskCompletionSource _gate = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private readonly int _passFirst;
    private int _calls;
    private int _held;
    private long _nextId = 1000;

    private GatedPetstore(WebApplication app, int passFirst)
    {
        _app = app;
        _passFirst = passFirst;
    }

    /// <summary>The base URL the app's <c>Petstore:BaseUrl</c> is set to.</summary>
    public string BaseUrl { get; private set; } = string.Empty;

    /// <summary>How many calls are held at the gate right now.</summary>
    public int Held => Volatile.Read(ref _held);

    /// <summary>The names of the pets created (answered), in any order.</summary>
    public ConcurrentBag<string> Created { get; } = [];

    public static async Task<GatedPetstore> StartAsync(int passFirst)
    {
        var builder = WebApplication.CreateBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var petstore = new GatedPetstore(app, passFirst);
        app.MapPost("/petstore/v2/pet", petstore.CreatePetAsync);
        await app.StartAsync();
        petstore.BaseUrl = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First() + "/petstore/v2/";
        return petstore;
    }

    /// <summary>Lets every held call and every later one through.</summary>
    public void Open() => _gate.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        Open();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }

    private async Task CreatePetAsync(HttpContext context)
    {
        using var reader = new StreamReader(context.Request.Body);
        var pet = JObject.Parse(await reader.ReadToEndAsync(context.RequestAborted));
        if (Interlocked.Increment(ref _calls) > _passFirst)
        {
            Interlocked.Increment(ref _held);
            try
            {
                await _gate.Task.WaitAsync(context.RequestAborted);
            }
            catch (OperationCanceledException)
            {
                return; // The caller died (the app was killed).
            }
            finally
            {
                Interlocked.Decrement(ref _held);
            }
        }

        pet["id"] = Interlocked.Increment(ref _nextId);
        Created.Add((string)pet["name"]!);
        context.Response.ContentType = "application/json";
        await context.Response.WriteAsync(pet.ToString(), context.RequestAborted);
    }
}
