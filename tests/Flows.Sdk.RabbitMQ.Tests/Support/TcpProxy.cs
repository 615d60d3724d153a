using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Flows.Sdk.RabbitMQ.Tests.Support;

/// <summary>
/// A TCP proxy on 127.0.0.1 between the client and the broker that a test can cut (every connection closed, new ones refused)
/// and restore (on the same port): a broker outage for one test, without touching the broker that other tests share.
/// </summary>
internal sealed class TcpProxy : IAsyncDisposable
{
    private readonly ConcurrentDictionary<TcpClient, byte> _open = new();
    private readonly int _target;
    private TcpListener _listener;
    private CancellationTokenSource _cut = new();
    private Task _accepting;

    public TcpProxy(int target)
    {
        _target = target;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        Port = ((IPEndPoint)_listener.LocalEndpoint).Port;
        _accepting = AcceptAsync(_listener, _cut.Token);
    }

    public int Port { get; }

    /// <summary>Closes every connection and refuses new ones.</summary>
    public async Task CutAsync()
    {
        await _cut.CancelAsync();
        _listener.Stop();
        foreach (var client in _open.Keys)
        {
            client.Dispose();
        }

        _open.Clear();
        await _accepting;
    }

    /// <summary>Accepts connections again, on the same port.</summary>
    public void Restore()
    {
        _cut = new CancellationTokenSource();
        _listener = new TcpListener(IPAddress.Loopback, Port);
        _listener.Server.SetSocketOption(SocketOptionLevel.Socket, SocketOptionName.ReuseAddress, true);
        _listener.Start();
        _accepting = AcceptAsync(_listener, _cut.Token);
    }

    public async ValueTask DisposeAsync()
    {
        if (!_cut.IsCancellationRequested)
        {
            await CutAsync();
        }
    }

    private async Task AcceptAsync(TcpListener listener, CancellationToken cut)
    {
        while (!cut.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await listener.AcceptTcpClientAsync(cut);
            }
            catch (Exception e) when (e is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }

            _ = PipeAsync(client, cut);
        }
    }

    private async Task PipeAsync(TcpClient client, CancellationToken cut)
    {
        var broker = new TcpClient();
        _open[client] = 0;
        _open[broker] = 0;
        try
        {
            await broker.ConnectAsync(IPAddress.Loopback, _target, cut);
            var up = client.GetStream().CopyToAsync(broker.GetStream(), cut);
            var down = broker.GetStream().CopyToAsync(client.GetStream(), cut);
            await Task.WhenAny(up, down);
        }
        catch (Exception e) when (e is OperationCanceledException or SocketException or IOException or ObjectDisposedException)
        {
            // cut, or one side closed
        }
        finally
        {
            _open.TryRemove(client, out _);
            _open.TryRemove(broker, out _);
            client.Dispose();
            broker.Dispose();
        }
    }
}
