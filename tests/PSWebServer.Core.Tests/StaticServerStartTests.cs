using System;
using System.Globalization;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Threading.Tasks;
using PSWebServer.Tests.Support;
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
}
