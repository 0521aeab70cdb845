using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

[Collection(SocketTestCollection.Name)]
public sealed class StaticServerStopTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_WithIdleKeepAliveClients_ClosesThemAtOnce_AndIsGraceful(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient a = await TestClient.ConnectAsync(server.Port);
        using TestClient b = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await a.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        Assert.Equal(200, (await b.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        using TestClient silent = await TestClient.ConnectAsync(server.Port); // connected, never spoke
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 3, TimeSpan.FromSeconds(5)));
        var clock = Stopwatch.StartNew();

        bool graceful = server.Stop(TimeSpan.FromSeconds(5));

        Assert.True(graceful);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(2), "Stop took " + clock.Elapsed);
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.Equal(0, server.ActiveConnections);
        Assert.True(await a.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(2)));
        Assert.True(await silent.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(2)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_WithAClientStalledMidDownload_IsBoundedByTheGrace_AndNotGraceful(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        client.Socket.ReceiveBufferSize = 64 * 1024;
        await client.SendAsync(TestClient.Get("/big.bin"));
        Assert.Equal(64 * 1024, await client.Reader.SkipAsync(64 * 1024, TimeSpan.FromSeconds(5)));
        await Task.Delay(300); // the server fills the socket buffers and waits on the client
        var clock = Stopwatch.StartNew();

        bool graceful = server.Stop(TimeSpan.FromSeconds(1));

        TimeSpan took = clock.Elapsed;
        Assert.False(graceful);
        Assert.True(took >= TimeSpan.FromMilliseconds(900), "Stop did not wait for the grace period: " + took);
        Assert.True(took < TimeSpan.FromSeconds(4), "Stop took " + took);
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.Equal(0, server.ActiveConnections);

        long rest = await client.Reader.SkipAsync(ServerScope.BigLength, TimeSpan.FromSeconds(10)).ContinueWith(t => t.IsCompletedSuccessfully ? t.Result : -1);
        Assert.True(rest < ServerScope.BigLength - 64 * 1024, "the whole file arrived although the connection was aborted");
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_LetsAQuickInFlightResponseFinish(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync(TestClient.Get("/big.bin"));
        Assert.Equal(1024, await client.Reader.SkipAsync(1024, TimeSpan.FromSeconds(5)));

        Task<bool> stopping = Task.Run(() => server.Stop(TimeSpan.FromSeconds(20)));
        long rest = await client.Reader.SkipAsync(ServerScope.BigLength, TimeSpan.FromSeconds(20)); // includes the head's bytes

        Assert.True(rest >= ServerScope.BigLength - 1024, $"only {rest} more bytes arrived");
        Assert.True(await stopping.WaitAsync(TimeSpan.FromSeconds(20)));
        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Dispose_StopsAtOnce(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        await client.SendAsync("GET / HTTP/1.1\r\nHo");
        var clock = Stopwatch.StartNew();

        server.Dispose();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), clock.Elapsed.ToString());
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(2)));
    }
}
