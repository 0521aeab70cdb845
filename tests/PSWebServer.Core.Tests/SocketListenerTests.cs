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

/// <summary>
/// The listening sockets: one per event loop with SO_REUSEPORT on Linux (the kernel spreads new connections), and
/// still "in use" for a port another program listens on, even one that shares ports with SO_REUSEPORT itself.
/// </summary>
[Collection(SocketTestCollection.Name)]
public sealed class SocketListenerTests : IDisposable
{
    private readonly ServerScope _scope = new();

    public void Dispose() => _scope.Dispose();

    /// <summary>Listening sockets on 127.0.0.1:port, from /proc/net/tcp (state 0A).</summary>
    private static int ListeningSockets(int port)
    {
        string local = "0100007F:" + port.ToString("X4", CultureInfo.InvariantCulture);
        return File.ReadAllLines("/proc/net/tcp").Skip(1)
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Count(f => f[1] == local && f[3] == "0A");
    }

    [Fact]
    public void APortAReusePortProgramListensOn_IsAddressInUse()
    {
        using var taken = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        if (OperatingSystem.IsLinux()) taken.SetRawSocketOption(1, 15, BitConverter.GetBytes(1)); // SO_REUSEPORT, as nginx's reuseport
        taken.Bind(new IPEndPoint(IPAddress.Loopback, 0));
        taken.Listen(1);
        int port = ((IPEndPoint)taken.LocalEndPoint!).Port;

        var error = Assert.Throws<ServerException>(() => _scope.Start(port: port));

        Assert.Equal(ServerErrorKind.AddressInUse, error.Kind);
    }

    [Fact]
    public void Bind_WithSeveralAcceptSockets_PortZero_BindsThemAllToThePortTheFirstGot()
    {
        using SocketListener listener = SocketListener.Bind("127.0.0.1", 0, acceptSockets: 3);

        Assert.NotEqual(0, listener.Port);
        Assert.Equal(OperatingSystem.IsLinux() ? 3 : 1, listener.Sockets.Length);
        Assert.Same(listener.Socket, listener.Sockets[0]);
        Assert.All(listener.Sockets, s => Assert.Equal(listener.Port, ((IPEndPoint)s.LocalEndPoint!).Port));
        if (OperatingSystem.IsLinux()) Assert.Equal(3, ListeningSockets(listener.Port));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void EveryListeningSocket_DefersAcceptUntilTheClientSpeaks(int acceptSockets)
    {
        if (!OperatingSystem.IsLinux()) return;
        using SocketListener listener = SocketListener.Bind("127.0.0.1", 0, acceptSockets);

        Assert.All(listener.Sockets, socket =>
        {
            var seconds = new byte[4];
            socket.GetRawSocketOption(LinuxNative.IPPROTO_TCP, LinuxNative.TCP_DEFER_ACCEPT, seconds);
            Assert.Equal(1, BitConverter.ToInt32(seconds)); // the kernel reports back the period it keeps (1 s)
        });
    }

    /// <summary>
    /// On the wire: a client that connects and says nothing is left with the kernel (no connection, no timeout, no
    /// system call of ours) until the deferral ends; then it is accepted like any other, and served when it speaks.
    /// </summary>
    [Theory]
    [InlineData("epoll")]
    [InlineData("socket")]
    public async Task AClientThatConnectsAndWaits_IsAcceptedAfterTheDeferral_AndServed(string engine)
    {
        if (!OperatingSystem.IsLinux()) return;
        StaticServer server = _scope.Start(engine: engine);
        var clock = System.Diagnostics.Stopwatch.StartNew(); // before the connect: the kernel's 1 s runs from its SYN-ACK
        using TestClient client = await TestClient.ConnectAsync(server.Port);

        await Task.Delay(TimeSpan.FromMilliseconds(400)); // long enough for any accept; the deferral lasts about 1 s
        int early = server.ActiveConnections;
        if (clock.Elapsed < TimeSpan.FromMilliseconds(900)) Assert.Equal(0, early); // a slower machine cannot tell

        while (server.ActiveConnections == 0 && clock.Elapsed < TimeSpan.FromSeconds(10)) await Task.Delay(20);
        Assert.Equal(1, server.ActiveConnections); // the SYN-ACK's retransmission at about 1 s lets it through silent

        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }

    [Fact]
    public void CloseSiblings_LeavesTheFirstSocketListening()
    {
        using SocketListener listener = SocketListener.Bind("127.0.0.1", 0, acceptSockets: 2);

        listener.CloseSiblings();

        Assert.Single(listener.Sockets);
        if (OperatingSystem.IsLinux()) Assert.Equal(1, ListeningSockets(listener.Port));
    }

    [Fact]
    public async Task Epoll_ListensOncePerLoop_ServesOnEach_AndStopClosesThemAll()
    {
        if (!OperatingSystem.IsLinux()) return;
        StaticServer server = _scope.Start();
        int port = server.Port;

        Assert.Equal(EpollEngine.ListenerSocketCount, ListeningSockets(port));
        // new connections land on every socket by their hash: enough of them reach every loop's socket
        for (int i = 0; i < 16; i++)
        {
            using TestClient client = await TestClient.ConnectAsync(port);
            Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        }

        Assert.True(server.Stop(TimeSpan.FromSeconds(2)));
        Assert.Equal(0, ListeningSockets(port));
    }

    [Fact]
    public async Task EpollSetupFails_TheFallbackListensOnOneSocket_SoNoConnectionLandsWhereNobodyAccepts()
    {
        if (!OperatingSystem.IsLinux()) return;
        StaticServer server = _scope.Track(StaticServer.Start(_scope.Options(),
            epollSetupFault: () => throw new InvalidOperationException("refused"), servingFault: null));

        Assert.Equal(ServerEngine.Socket, server.Engine);
        Assert.Equal(1, ListeningSockets(server.Port));
        for (int i = 0; i < 8; i++)
        {
            using TestClient client = await TestClient.ConnectAsync(server.Port);
            Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
        }
    }

    [Fact]
    public async Task SocketEngine_ListensOnOneSocket()
    {
        if (!OperatingSystem.IsLinux()) return;
        StaticServer server = _scope.Start(engine: "socket");

        Assert.Equal(1, ListeningSockets(server.Port));
        using TestClient client = await TestClient.ConnectAsync(server.Port);
        Assert.Equal(200, (await client.RequestAsync(TestClient.Get("/a.txt"))).StatusCode);
    }
}
