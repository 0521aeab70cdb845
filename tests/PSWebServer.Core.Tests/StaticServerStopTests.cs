using System;
using System.Diagnostics;
using System.Net.Sockets;
using System.Threading;
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

    /// <summary>A server with one client stalled mid-download: a stop has something in flight it must wait for or abort.</summary>
    private async Task<(StaticServer Server, TestClient Client)> StalledDownloadAsync(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        TestClient client = await TestClient.ConnectAsync(server.Port);
        client.Socket.ReceiveBufferSize = 64 * 1024;
        await client.SendAsync(TestClient.Get("/big.bin"));
        Assert.Equal(64 * 1024, await client.Reader.SkipAsync(64 * 1024, TimeSpan.FromSeconds(5)));
        return (server, client);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ASecondStop_WaitsForTheFirstStopsTeardown_AndGetsItsResult(string engine)
    {
        (StaticServer server, TestClient client) = await StalledDownloadAsync(engine);
        using TestClient _ = client;
        var clock = Stopwatch.StartNew();
        Task<bool> first = Task.Run(() => server.Stop(TimeSpan.FromSeconds(1.5)));
        Assert.True(await ServerScope.EventuallyAsync(() => server.State == ServerState.Stopping, TimeSpan.FromSeconds(5)));

        // Asks for more time than the first: it cannot lengthen the grace, and it returns only once the server has stopped.
        bool second = server.Stop(TimeSpan.FromSeconds(30));

        TimeSpan took = clock.Elapsed;
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.Equal(0, server.ActiveConnections);
        Assert.True(took >= TimeSpan.FromSeconds(1.4), "the second Stop returned before the first's grace had passed: " + took);
        Assert.True(took < TimeSpan.FromSeconds(6), "the second Stop lengthened the grace: " + took);
        bool firstResult = await first.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.False(second);
        Assert.Equal(firstResult, second);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ASecondStopWithLessGrace_CutsTheFirstStopsGraceShort(string engine)
    {
        (StaticServer server, TestClient client) = await StalledDownloadAsync(engine);
        using TestClient _ = client;
        Task<bool> first = Task.Run(() => server.Stop(TimeSpan.FromSeconds(30)));
        Assert.True(await ServerScope.EventuallyAsync(() => server.State == ServerState.Stopping, TimeSpan.FromSeconds(5)));
        var clock = Stopwatch.StartNew();

        server.Dispose(); // Stop with no grace, as Remove-Module or a using block would

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), "Dispose waited for the first Stop's grace: " + clock.Elapsed);
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.False(await first.WaitAsync(TimeSpan.FromSeconds(4)), "the first Stop must report the abort"); // TimeoutException: it still waits out its 30 s
        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task CancellingAStop_TurnsGracefulIntoAbort_AndStillReturnsOnlyOnceStopped(string engine)
    {
        (StaticServer server, TestClient client) = await StalledDownloadAsync(engine);
        using TestClient _ = client;
        using var ctrlC = new CancellationTokenSource();
        var clock = Stopwatch.StartNew();
        ctrlC.CancelAfter(TimeSpan.FromMilliseconds(300));

        bool graceful = server.Stop(TimeSpan.FromSeconds(30), ctrlC.Token);

        TimeSpan took = clock.Elapsed;
        Assert.False(graceful);
        Assert.True(took >= TimeSpan.FromMilliseconds(250), "Stop did not give the grace until the cancellation: " + took);
        Assert.True(took < TimeSpan.FromSeconds(4), "the cancellation did not end the grace: " + took);
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.Equal(0, server.ActiveConnections);
        Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void AStopWithATokenAlreadyCancelled_AbortsAtOnce_EvenWithNothingInFlight()
    {
        StaticServer server = _scope.Start();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.True(server.Stop(TimeSpan.FromSeconds(30), cancelled.Token)); // nothing was in flight, so nothing aborted

        Assert.Equal(ServerState.Stopped, server.State);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AFaultDuringAStop_EndsItsGrace_SharesItsTeardown_AndLeavesTheServerFaulted(string engine)
    {
        (StaticServer server, TestClient client) = await StalledDownloadAsync(engine);
        using TestClient _ = client;
        var clock = Stopwatch.StartNew();
        Task<bool> stopping = Task.Run(() => server.Stop(TimeSpan.FromSeconds(30)));
        Assert.True(await ServerScope.EventuallyAsync(() => server.State == ServerState.Stopping, TimeSpan.FromSeconds(5)));
        var failure = new InvalidOperationException("a loop failed");

        server.Fault(failure);

        bool graceful = await stopping.WaitAsync(TimeSpan.FromSeconds(5)); // TimeoutException: the fault did not end the stop's grace
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(6), clock.Elapsed.ToString());
        Assert.False(graceful);
        Assert.Equal(ServerState.Faulted, server.State);
        Assert.Same(failure, server.LastError);
        Assert.Equal(0, server.ActiveConnections);
        Assert.True(server.WaitForExit(TimeSpan.Zero, default));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AStopAfterAFault_WaitsForTheFaultsTeardown(string engine)
    {
        (StaticServer server, TestClient client) = await StalledDownloadAsync(engine);
        using TestClient _ = client;
        int port = server.Port;

        server.Fault(new InvalidOperationException("a loop failed"));
        bool graceful = server.Stop(TimeSpan.FromSeconds(30));

        // Returned only when the fault's teardown was done: nothing left open, the port free.
        Assert.False(graceful);
        Assert.Equal(ServerState.Faulted, server.State);
        Assert.Equal(0, server.ActiveConnections);
        StaticServer again = _scope.Start(port: port, engine: engine);
        Assert.Equal(port, again.Port);
    }

    [Fact]
    public async Task ManyConcurrentStops_AllReturnTheSameResult_AfterOneTeardown()
    {
        (StaticServer server, TestClient client) = await StalledDownloadAsync("epoll");
        using TestClient _ = client;
        using var start = new ManualResetEventSlim(false);
        Task<bool>[] stops = new Task<bool>[8];
        for (int i = 0; i < stops.Length; i++)
        {
            stops[i] = Task.Factory.StartNew(() =>
            {
                start.Wait();
                return server.Stop(TimeSpan.FromSeconds(1));
            }, TaskCreationOptions.LongRunning);
        }

        start.Set();

        bool[] results = await Task.WhenAll(stops).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.All(results, Assert.False);
        Assert.Equal(ServerState.Stopped, server.State);
        Assert.Null(server.LastError); // a teardown step run twice (a handler disposed while in use, …) would show here
    }
}
