using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
using PSWebServer.Transport;
using Xunit;

namespace PSWebServer.Tests;

[Collection(SocketTestCollection.Name)]
public sealed class StaticServerStartTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task PortZero_ReportsTheRealPort_AndServes(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);

        Assert.InRange(server.Port, 1, 65535);
        Assert.Equal("http://127.0.0.1:" + server.Port.ToString(CultureInfo.InvariantCulture) + "/", server.Url);
        Assert.Equal(server.Url, server.ToString());
        Assert.Equal("127.0.0.1", server.Address);
        Assert.Equal(ServerState.Running, server.State);
        Assert.Equal(Path.GetFullPath(_scope.Root).TrimEnd(Path.DirectorySeparatorChar), server.Root);

        using TestClient client = await TestClient.ConnectAsync(server.Port);
        TestResponse r = await client.RequestAsync(TestClient.Get("/a.txt"));
        Assert.Equal(200, r.StatusCode);
        Assert.Equal(ServerScope.TextA, r.BodyText);
    }

    [Fact]
    public void TwoServersOnPortZero_GetDifferentPorts()
    {
        StaticServer a = _scope.Start();
        StaticServer b = _scope.Start();

        Assert.NotEqual(a.Port, b.Port);
    }

    [Fact]
    public void PortTakenByAnotherProgram_IsAddressInUse()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var error = Assert.Throws<ServerException>(() => _scope.Start(port: port));

        Assert.Equal(ServerErrorKind.AddressInUse, error.Kind);
        Assert.Contains(port.ToString(CultureInfo.InvariantCulture), error.Message);
    }

    [Fact]
    public void PortTakenByAnotherServer_IsAddressInUse()
    {
        StaticServer first = _scope.Start();

        var error = Assert.Throws<ServerException>(() => _scope.Start(port: first.Port));

        Assert.Equal(ServerErrorKind.AddressInUse, error.Kind);
        Assert.Equal(ServerState.Running, first.State);
    }

    [Fact]
    public void MissingRoot_IsRootNotFound()
    {
        var error = Assert.Throws<ServerException>(() => StaticServer.Start(new StaticServerOptions { Root = Path.Combine(_scope.Root, "nope"), Port = 0 }));

        Assert.Equal(ServerErrorKind.RootNotFound, error.Kind);
    }

    [Fact]
    public void FileAsRoot_IsRootNotDirectory()
    {
        var error = Assert.Throws<ServerException>(() => StaticServer.Start(new StaticServerOptions { Root = Path.Combine(_scope.Root, "a.txt"), Port = 0 }));

        Assert.Equal(ServerErrorKind.RootNotDirectory, error.Kind);
    }

    [Theory]
    [InlineData("not-an-address")]
    [InlineData("999.1.1.1")]
    public void BadAddress_IsInvalidAddress(string address)
    {
        var error = Assert.Throws<ServerException>(() => StaticServer.Start(new StaticServerOptions { Root = _scope.Root, Port = 0, Address = address }));

        Assert.Equal(ServerErrorKind.InvalidAddress, error.Kind);
    }

    [Theory]
    [InlineData(-1)]
    [InlineData(65536)]
    public void PortOutOfRange_IsRefused(int port)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StaticServer.Start(new StaticServerOptions { Root = _scope.Root, Port = port }));
    }

    [Fact]
    public void BadLimits_AreRefused()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StaticServer.Start(new StaticServerOptions
        {
            Root = _scope.Root, Port = 0, Limits = new ServerLimits { HeaderTimeout = TimeSpan.Zero },
        }));
        Assert.Throws<ArgumentOutOfRangeException>(() => StaticServer.Start(new StaticServerOptions { Root = _scope.Root, Port = 0, RequestLogSize = 0 }));
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Restart_OnTheSamePort_AtOnce_WhileTheOldConnectionIsInTimeWait(string engine)
    {
        StaticServer first = _scope.Start(engine: engine);
        int port = first.Port;
        using (TestClient client = await TestClient.ConnectAsync(port))
        {
            TestResponse r = await client.RequestAsync(TestClient.Get("/a.txt", "Connection: close\r\n"));
            Assert.True(r.SaysClose);
            Assert.True(await client.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(5))); // the server closed first
        }
        Assert.True(await ServerScope.EventuallyAsync(() => first.ActiveConnections == 0, TimeSpan.FromSeconds(5)));
        if (File.Exists("/proc/net/tcp"))
        {
            // Make sure the test proves what it says: the server's side of that connection sits in TIME_WAIT (06).
            string local = ":" + port.ToString("X4", CultureInfo.InvariantCulture);
            bool timeWait = File.ReadAllLines("/proc/net/tcp").Skip(1)
                .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
                .Any(f => f[1].EndsWith(local, StringComparison.Ordinal) && f[3] == "06");
            Assert.True(timeWait, "no TIME_WAIT entry for the server's port");
        }
        Assert.True(first.Stop(TimeSpan.FromSeconds(2)));

        StaticServer second = _scope.Start(port: port, engine: engine);

        Assert.Equal(port, second.Port);
        using TestClient again = await TestClient.ConnectAsync(port);
        Assert.Equal(200, (await again.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task Stop_ReleasesThePort_AndRefusesNewConnections(string engine)
    {
        StaticServer server = _scope.Start(engine: engine);
        int port = server.Port;

        Assert.True(server.Stop(TimeSpan.FromSeconds(2)));

        Assert.Equal(ServerState.Stopped, server.State);
        await Assert.ThrowsAnyAsync<SocketException>(async () =>
        {
            using TestClient client = await TestClient.ConnectAsync(port);
        });
        Assert.True(server.Stop(), "a second Stop must be harmless");
        Assert.True(server.WaitForExit(TimeSpan.FromSeconds(1), default));
    }

    [Fact]
    public async Task EngineSocket_RunsDotNetSockets_WithNoFallbackReason()
    {
        StaticServer server = _scope.Track(StaticServer.Start(_scope.Options(engine: ServerEngine.Socket)));

        Assert.Equal(ServerEngine.Socket, server.Engine);
        Assert.Null(server.EngineFallbackReason); // a choice, not a fallback
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Fact]
    public void EngineAuto_IsTheDefault_AndRunsEpollWhereItCan()
    {
        Assert.Equal(ServerEngine.Auto, new StaticServerOptions().Engine);

        StaticServer server = _scope.Track(StaticServer.Start(_scope.Options()));

        if (EpollEngine.IsSupported)
        {
            Assert.Equal(ServerEngine.Epoll, server.Engine);
            Assert.Null(server.EngineFallbackReason);
        }
        else
        {
            Assert.Equal(ServerEngine.Socket, server.Engine);
            Assert.Equal(EpollEngine.UnsupportedReason, server.EngineFallbackReason);
        }
    }

    [Fact]
    public async Task EngineAuto_WhenEpollSetupFails_ServesOnSockets_AndKeepsTheReason()
    {
        var refused = new InvalidOperationException("epoll_create1 failed: errno 24");

        StaticServer server = _scope.Track(StaticServer.Start(_scope.Options(), epollSetupFault: () => throw refused, servingFault: null));

        Assert.Equal(ServerEngine.Socket, server.Engine);
        Assert.NotNull(server.EngineFallbackReason);
        if (EpollEngine.IsSupported) Assert.Equal("InvalidOperationException: epoll_create1 failed: errno 24.", server.EngineFallbackReason);
        else Assert.Equal(EpollEngine.UnsupportedReason, server.EngineFallbackReason);
        // The failed setup gave the listener back as it found it (blocking, in no epoll set): the fallback serves.
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Fact]
    public void EngineEpoll_WhereEpollCannotRun_IsEngineNotAvailable_AndLeavesThePortFree()
    {
        int port = FreedPort();
        var refused = new InvalidOperationException("epoll_create1 failed: errno 24");

        var error = Assert.Throws<ServerException>(() =>
            StaticServer.Start(_scope.Options(port: port, engine: ServerEngine.Epoll), epollSetupFault: () => throw refused, servingFault: null));

        Assert.Equal(ServerErrorKind.EngineNotAvailable, error.Kind);
        if (EpollEngine.IsSupported)
        {
            Assert.Same(refused, error.InnerException);
            Assert.Contains("errno 24", error.Message);
        }
        else
        {
            Assert.Contains(EpollEngine.UnsupportedReason!, error.Message);
        }
        AssertCanBind(port);
    }

    [Theory]
    [InlineData(ServerEngine.Epoll)]
    [InlineData(ServerEngine.Socket)]
    public async Task AStartThatFailsAfterBinding_ReleasesThePortAtOnce_AndStopsWhatItStarted(ServerEngine engine)
    {
        if (engine == ServerEngine.Epoll && !EpollEngine.IsSupported) engine = ServerEngine.Auto;
        var failure = new InvalidOperationException("injected after bind");
        StaticServer? started = null;
        TestClient? early = null;

        var error = Assert.Throws<InvalidOperationException>(() => StaticServer.Start(_scope.Options(engine: engine), epollSetupFault: null,
            servingFault: server =>
            {
                started = server;
                // A client that got in while the start was still under way: it must not keep anything alive. It sends
                // half a head: a silent one would still be with the kernel (TCP_DEFER_ACCEPT), never the server's.
                early = TestClient.ConnectAsync(server.Port).GetAwaiter().GetResult();
                early.SendAsync("GET /a.txt HTTP/1.1\r\n").GetAwaiter().GetResult();
                throw failure;
            }));

        Assert.Same(failure, error);
        Assert.NotNull(started);
        using (early)
        {
            Assert.Equal(ServerState.Stopped, started!.State);
            Assert.Equal(0, started.ActiveConnections);
            Assert.True(await early!.Reader.ClosesWithinAsync(TimeSpan.FromSeconds(2)));
        }
        // The listener is closed: a server takes the same port at once (a plain bind could still meet the early
        // client's connection in TIME_WAIT, which the server's own address-reuse policy allows, as on any restart).
        StaticServer again = _scope.Start(port: started.Port, engine: engine == ServerEngine.Socket ? "socket" : "epoll");
        Assert.Equal(started.Port, again.Port);
    }

    [Fact]
    public void AnUnknownEngine_IsRefusedBeforeBinding()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => StaticServer.Start(_scope.Options(engine: (ServerEngine)42)));
    }

    /// <summary>A port that was just bound and released by a server of ours (no connection, so no TIME_WAIT).</summary>
    private int FreedPort()
    {
        StaticServer probe = _scope.Start();
        int port = probe.Port;
        Assert.True(probe.Stop(TimeSpan.Zero));
        return port;
    }

    /// <summary>Binds and listens on the port with a plain socket (no address reuse): fails if anything still holds it.</summary>
    private static void AssertCanBind(int port)
    {
        using var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        socket.Bind(new IPEndPoint(IPAddress.Loopback, port));
        socket.Listen(1);
    }
}
