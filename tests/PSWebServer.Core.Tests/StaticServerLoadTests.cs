using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using Xunit;

namespace PSWebServer.Tests;

[Collection(SocketTestCollection.Name)]
public sealed class StaticServerLoadTests : IDisposable
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task FiftyHalfSentRequests_DoNotDelayAFullOne(string engine)
    {
        StaticServer server = _scope.Start(new ServerLimits { HeaderTimeout = TimeSpan.FromSeconds(5) }, engine: engine);
        var stalled = new List<TestClient>();
        try
        {
            for (int i = 0; i < 50; i++)
            {
                TestClient c = await TestClient.ConnectAsync(server.Port);
                stalled.Add(c);
                await c.SendAsync("GET / HTTP/1.1\r\nHo");
            }
            Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 50, Bound), $"{server.ActiveConnections} connections");

            var clock = Stopwatch.StartNew();
            using TestClient full = await TestClient.ConnectAsync(server.Port);
            TestResponse r = await full.RequestAsync(TestClient.Get("/a.txt"));
            TimeSpan took = clock.Elapsed;

            Assert.Equal(200, r.StatusCode);
            Assert.True(took < TimeSpan.FromSeconds(1), "the full request waited " + took);
            Assert.Equal(1, server.RequestCount); // none of the half-sent ones was answered
        }
        finally
        {
            foreach (TestClient c in stalled) c.Dispose();
        }
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task FiveHundredConcurrentClients_AllSucceed(string engine)
    {
        const int clients = 500;
        StaticServer server = _scope.Start(engine: engine);
        using var go = new System.Threading.SemaphoreSlim(0);

        async Task<int> OneClient(int i)
        {
            using TestClient c = await TestClient.ConnectAsync(server.Port);
            await go.WaitAsync(Bound);
            string path = (i % 3) switch { 0 => "/a.txt", 1 => "/", _ => "/sub/" };
            TestResponse r = await c.RequestAsync(TestClient.Get(path, "Connection: close\r\n"));
            return r.StatusCode == 200 && r.Body.Length > 0 ? 1 : 0;
        }

        Task<int>[] all = Enumerable.Range(0, clients).Select(OneClient).ToArray();
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == clients, Bound), $"{server.ActiveConnections} connected");
        go.Release(clients);
        int[] ok = await Task.WhenAll(all).WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Equal(clients, ok.Sum());
        Assert.True(await ServerScope.EventuallyAsync(() => server.RequestCount == clients, Bound));
        Assert.Equal(clients, server.Requests.ReadAll().Count(r => r.StatusCode == 200));
        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, Bound), $"{server.ActiveConnections} still open");
        Assert.Null(server.LastError);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ClientsOverMaxConnections_WaitTheirTurn_InsteadOfBeingDropped(string engine)
    {
        // ServerLimits.MaxConnections: "further clients wait in the listen backlog".
        StaticServer server = _scope.Start(new ServerLimits { MaxConnections = 1 }, engine: engine);
        TestClient first = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await first.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);

        using TestClient second = await TestClient.ConnectAsync(server.Port);
        await second.SendAsync(TestClient.Get("/a.txt"));
        bool droppedEarly = await second.Reader.ClosesWithinAsync(TimeSpan.FromMilliseconds(500));
        Assert.False(droppedEarly, "the client over the limit was disconnected instead of waiting");
        Assert.True(server.ActiveConnections <= 1, $"{server.ActiveConnections} connections open with a limit of 1");

        first.Dispose();
        TestResponse r = await second.ReadAsync(timeout: Bound);
        Assert.Equal(200, r.StatusCode);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ClientResetMidDownload_LeavesTheServerServingOthers(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        using (TestClient quitter = await TestClient.ConnectAsync(server.Port))
        {
            await quitter.SendAsync(TestClient.Get("/big.bin"));
            Assert.Equal(256 * 1024, await quitter.Reader.SkipAsync(256 * 1024, Bound));
            quitter.Reset();
        }

        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, Bound), "the reset connection was not let go");
        using TestClient next = await TestClient.ConnectAsync(server.Port);
        TestResponse r = await next.RequestAsync(TestClient.Get("/a.txt"));

        Assert.Equal(200, r.StatusCode);
        Assert.Equal(ServerScope.TextA, r.BodyText);
        Assert.Equal(ServerState.Running, server.State);
        Assert.True(server.LastError is null, "unexpected error: " + server.LastError);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task ManyResetsMidDownload_ProduceNoError(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        for (int i = 0; i < 10; i++)
        {
            using TestClient quitter = await TestClient.ConnectAsync(server.Port);
            await quitter.SendAsync(TestClient.Get(i % 2 == 0 ? "/big.bin" : "/a.txt"));
            Assert.Equal(100, await quitter.Reader.SkipAsync(100, Bound));
            quitter.Reset();
        }

        Assert.True(await ServerScope.EventuallyAsync(() => server.ActiveConnections == 0, Bound));
        Assert.True(server.LastError is null, "unexpected error: " + server.LastError);
        Assert.Equal(ServerState.Running, server.State);
    }
}
